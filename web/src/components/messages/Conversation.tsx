"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { useSession } from "@/hooks/useSession";
import { api, unwrap } from "@/lib/api/client";
import { formatDate } from "@/lib/market/format";

/** One conversation: history (oldest at the top), live updates over the WebSocket, a composer; read when seen. */
export function Conversation({ id }: { id: string }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [body, setBody] = useState("");
  const messages = useQuery({
    queryKey: ["messages", id],
    queryFn: async () => unwrap(await api.GET("/v1/conversations/{conversation_id}/messages", { params: { path: { conversation_id: id }, query: { limit: 100 } } })),
  });
  const newest = messages.data?.items[0]?.id;
  useEffect(() => {
    if (newest === undefined) return;
    void api.POST("/v1/conversations/{conversation_id}/read", { params: { path: { conversation_id: id } }, body: { up_to: newest } })
      .then(() => queryClient.invalidateQueries({ queryKey: ["unread"] }));
  }, [id, newest, queryClient]);
  const send = useMutation({
    mutationFn: async (text: string) => unwrap(await api.POST("/v1/conversations/{conversation_id}/messages", { params: { path: { conversation_id: id } }, body: { body: text } })),
    onSuccess: () => { setBody(""); void queryClient.invalidateQueries({ queryKey: ["messages", id] }); },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (body.trim()) send.mutate(body.trim());
  };
  return (
    <div className="space-y-3" data-testid="conversation">
      <QueryState query={messages} isEmpty={(d) => d.items.length === 0} empty="No message yet: say hello." loadingLabel="Loading messages">
        {(data) => (
          <ol className="max-h-96 space-y-2 overflow-y-auto" aria-label="Messages">
            {[...data.items].reverse().map((m) => {
              const mine = m.sender_id === session?.userId;
              return (
                <li key={m.id} data-testid="message" className={`max-w-prose rounded-md border px-3 py-2 text-sm ${mine ? "ml-auto border-primary-tint bg-primary-tint" : "border-border bg-canvas"}`}>
                  <p className="text-xs text-muted">{mine ? "You" : "Them"} · {formatDate(m.created_at)}</p>
                  <p className="whitespace-pre-line">{m.body}</p>
                </li>
              );
            })}
          </ol>
        )}
      </QueryState>
      <form onSubmit={submit} className="flex gap-2">
        <label htmlFor={`compose-${id}`} className="sr-only">Message</label>
        <input id={`compose-${id}`} value={body} onChange={(e) => setBody(e.target.value)} maxLength={10_000} placeholder="Write a message"
               className="flex-1 rounded-md border border-border bg-surface px-3 py-2 text-sm" />
        <Button type="submit" disabled={send.isPending || !body.trim()}>Send</Button>
      </form>
      {send.error ? <ErrorAlert error={send.error} title="Not sent" /> : null}
    </div>
  );
}
