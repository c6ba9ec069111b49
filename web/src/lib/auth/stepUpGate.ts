/**
 * Where the API client asks "confirm it's you" when a route answers step-up-required (a sensitive change
 * needs a recent proof of identity). The page's dialog registers itself as the one handler; concurrent
 * requests share one prompt. No handler (server rendering, a page without the dialog): the request fails
 * with the API's problem detail, as before.
 */
type Handler = () => Promise<boolean>;

let handler: Handler | null = null;
let pending: Promise<boolean> | null = null;

export function setStepUpHandler(next: Handler | null): void {
  handler = next;
}

/** Resolves true once the user proved it is them (the session holds a fresh token), false if they declined. */
export function confirmIdentity(): Promise<boolean> {
  if (!handler) return Promise.resolve(false);
  pending ??= handler().finally(() => {
    pending = null;
  });
  return pending;
}
