import type { components } from "@/lib/api/schema";

/**
 * The signed-in session of this browser tab: the API's short-lived access token, its rotating refresh
 * token and the wallet that signed in. Kept in sessionStorage so a reload keeps the tab signed in and
 * closing it forgets the tokens.
 */
export type Session = {
  accessToken: string;
  accessExpiresAt: number;
  refreshToken: string;
  sessionId: string;
  userId: string;
  address: string;
};

const KEY = "lancer.session";
const listeners = new Set<() => void>();
let current: Session | null | undefined;

export function getSession(): Session | null {
  if (typeof window === "undefined") return null;
  if (current === undefined) {
    try {
      const raw = window.sessionStorage.getItem(KEY);
      current = raw ? (JSON.parse(raw) as Session) : null;
    } catch {
      current = null;
    }
  }
  return current;
}

export function setSession(next: Session | null): void {
  current = next;
  if (next) window.sessionStorage.setItem(KEY, JSON.stringify(next));
  else window.sessionStorage.removeItem(KEY);
  listeners.forEach((listener) => listener());
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function sessionFromTokens(pair: components["schemas"]["TokenPair"], address: string): Session {
  return {
    accessToken: pair.access_token,
    accessExpiresAt: Date.now() + pair.expires_in * 1000,
    refreshToken: pair.refresh_token,
    sessionId: pair.session_id,
    userId: pair.user_id,
    address,
  };
}
