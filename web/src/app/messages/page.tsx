"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { Conversation } from "@/components/messages/Conversation";
import { Card, PageHeader } from "@/components/ui/Card";
import { EmptyState, QueryState } from "@/components/ui/States";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { usePush } from "@/hooks/usePush";
import { useUnread } from "@/hooks/useUnread";
import { api, unwrap } from "@/lib/api/client";
import { formatDate } from "@/lib/market/format";

function Inbox() {
  usePush();
  const [open, setOpen] = useState<string | null>(null);
  const conversations = useQuery({ queryKey: ["conversations"], queryFn: async () => unwrap(await api.GET("/v1/conversations", { params: { query: { limit: 50 } } })) });
  const unread = useUnread();
  const chosen = open ?? conversations.data?.items[0]?.id ?? null;
  return (
    <>
      <PageHeader title="Messages">
        {unread.data ? <span data-testid="unread-total">{unread.data.total} unread</span> : "Your conversations, live."}
      </PageHeader>
      <div className="grid gap-gutter lg:grid-cols-[18rem_1fr]">
        <Card title="Conversations" id="conversations">
          <QueryState query={conversations} isEmpty={(d) => d.items.length === 0} empty="No conversation yet." loadingLabel="Loading conversations">
            {(data) => (
              <ul className="space-y-1">
                {data.items.map((c) => {
                  const count = unread.data?.conversations[c.id] ?? c.unread;
                  return (
                    <li key={c.id}>
                      <button type="button" onClick={() => setOpen(c.id)} aria-current={c.id === chosen ? "true" : undefined} data-testid="conversation-row"
                              className={`flex w-full items-center justify-between rounded-md px-3 py-2 text-left text-sm ${c.id === chosen ? "bg-primary-tint font-semibold" : "hover:bg-canvas"}`}>
                        <span>
                          {c.subject_type ? `About ${c.subject_type}` : "Direct"}
                          <span className="block text-xs text-muted">{formatDate(c.last_message_at ?? c.created_at)}</span>
                        </span>
                        {count > 0 ? <span className="rounded-full bg-primary px-2 text-xs text-primary-fg" aria-label={`${count} unread`}>{count}</span> : null}
                      </button>
                    </li>
                  );
                })}
              </ul>
            )}
          </QueryState>
        </Card>
        <Card title="Conversation" id="conversation">
          {chosen ? <Conversation key={chosen} id={chosen} /> : <EmptyState>Pick a conversation.</EmptyState>}
        </Card>
      </div>
    </>
  );
}

export default function MessagesPage() {
  return <RequireSignIn><Inbox /></RequireSignIn>;
}
