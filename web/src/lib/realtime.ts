import { accessToken } from "@/lib/api/client";

/** Events the API pushes on `/v1/ws` (only the fields the app reads). */
export type PushEvent = { type: string; message?: { id: number; conversation_id: string; sender_id: string | null; body: string; created_at: string } };
type Listener = (event: PushEvent) => void;

const listeners = new Set<Listener>();
let socket: WebSocket | null = null;
let retry: ReturnType<typeof setTimeout> | null = null;
let attempts = 0;

function url(): string {
  const explicit = process.env.NEXT_PUBLIC_WS_URL;
  if (explicit) return explicit;
  return `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/v1/ws`;
}

/** One socket per tab, opened while someone listens; the token goes in the first message, never the URL. */
function open(): void {
  if (socket || listeners.size === 0) return;
  const ws = new WebSocket(url());
  socket = ws;
  ws.onopen = () => {
    void accessToken().then((token) => {
      if (token && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "auth", token }));
      else ws.close();
    });
  };
  ws.onmessage = (message) => {
    try {
      const event = JSON.parse(String(message.data)) as PushEvent;
      if (event.type === "ready") attempts = 0;
      listeners.forEach((listener) => listener(event));
    } catch {
      // Not JSON: ignore.
    }
  };
  ws.onclose = (event) => {
    socket = null;
    // 4401: the token was refused; the next subscription (after signing in again) reopens.
    if (event.code === 4401 || listeners.size === 0) return;
    attempts += 1;
    retry = setTimeout(open, Math.min(30_000, 500 * 2 ** attempts));
  };
}

export function subscribePush(listener: Listener): () => void {
  listeners.add(listener);
  open();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      if (retry) clearTimeout(retry);
      socket?.close();
      socket = null;
    }
  };
}
