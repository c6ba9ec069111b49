import createClient, { type Middleware } from "openapi-fetch";

import { getSession, sessionFromTokens, setSession, type Session } from "@/lib/auth/session";
import { confirmIdentity } from "@/lib/auth/stepUpGate";
import { toApiError } from "./problem";
import type { paths } from "./schema";

/**
 * The typed client of Lancer's public API, generated from the committed OpenAPI document
 * (web/openapi.json → schema.d.ts): a renamed field or route fails `next build`.
 * Same-origin: `/v1/*` is proxied to the API by the Next.js server.
 */
export const api = createClient<paths>({ baseUrl: "", fetch: (request) => fetchWithStepUp(request) });

const STEP_UP_REQUIRED = "/problems/step-up-required";

async function asksForStepUp(response: Response): Promise<boolean> {
  if (response.status !== 403) return false;
  try {
    const problem = (await response.clone().json()) as { type?: unknown };
    return typeof problem.type === "string" && problem.type.endsWith(STEP_UP_REQUIRED);
  } catch {
    return false;
  }
}

/**
 * Every request goes through here: when the API answers step-up-required (a sensitive change and a sign-in
 * older than STEP_UP_MAX_AGE_SECONDS), the user is asked to confirm it is them, then the same request is
 * sent once more with the new access token. Declined, or asked again: the API's answer stands.
 */
async function fetchWithStepUp(request: Request): Promise<Response> {
  // The body can be read once: keep a copy for the retry.
  const retry = request.clone();
  const response = await globalThis.fetch(request);
  if (!(await asksForStepUp(response)) || !(await confirmIdentity())) return response;
  const token = await accessToken();
  if (token) retry.headers.set("Authorization", `Bearer ${token}`);
  return globalThis.fetch(retry);
}

// Refresh a little before expiry so a request never leaves with a token that dies on the way.
const REFRESH_MARGIN_MS = 30_000;
let refreshing: Promise<Session | null> | null = null;

async function refresh(session: Session): Promise<Session | null> {
  const { data } = await api.POST("/v1/auth/refresh", { body: { refresh_token: session.refreshToken } });
  // A refresh token works once: if it was refused (expired, revoked, reused) the session is over.
  const next = data ? sessionFromTokens(data, session.address) : null;
  setSession(next);
  return next;
}

export async function accessToken(): Promise<string | null> {
  const session = getSession();
  if (!session) return null;
  if (session.accessExpiresAt - Date.now() > REFRESH_MARGIN_MS) return session.accessToken;
  refreshing ??= refresh(session).finally(() => {
    refreshing = null;
  });
  return (await refreshing)?.accessToken ?? null;
}

// Step-up and logout are made by a signed-in session; the other /v1/auth/ routes sign in.
const isSignInRoute = (path: string) =>
  path.startsWith("/v1/auth/") && path !== "/v1/auth/logout" && path !== "/v1/auth/step-up";

const auth: Middleware = {
  async onRequest({ request, schemaPath }) {
    if (isSignInRoute(schemaPath)) return undefined;
    const token = await accessToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response, schemaPath }) {
    // Only a rejected token (WWW-Authenticate) ends the session; a wrong 2FA code is a 401 too.
    if (response.status === 401 && response.headers.has("WWW-Authenticate") && !isSignInRoute(schemaPath)) {
      setSession(null);
    }
    return undefined;
  },
};
api.use(auth);

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The body of a successful answer, or an ApiError carrying the problem's `detail`. */
export function unwrap<T>(result: Result<T>): T {
  if (result.error !== undefined || !result.response.ok) throw toApiError(result.error, result.response);
  return result.data as T;
}
