"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Card, PageHeader } from "@/components/ui/Card";
import { SelectField, TextArea, TextField } from "@/components/ui/Field";
import { LoadMore } from "@/components/ui/LoadMore";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { StateBadge } from "@/components/ui/StatusBadge";
import { useMe } from "@/hooks/useMe";
import { useSession } from "@/hooks/useSession";
import { useKeysetPages } from "@/hooks/useKeysetPages";
import { api, unwrap } from "@/lib/api/client";
import { localTime } from "@/lib/community";
import { TICKET_STATUSES, useIsAgent, type TicketStatus } from "@/lib/support";

const PAGE = 20;

/** My tickets, most recently updated first. */
export function TicketList() {
  const session = useSession();
  const { query, items } = useKeysetPages(["support", "tickets", session?.sessionId], async (cursor) => unwrap(await api.GET("/v1/support/tickets", { params: { query: { limit: PAGE, cursor } } })));
  return (
    <QueryState query={{ ...query, data: items }} isEmpty={(d) => d.length === 0} empty="You have no ticket." loadingLabel="Loading your tickets">
      {(list) => (
        <>
          <ul className="divide-y divide-border">
            {list.map((t) => (
              <li key={t.id} className="flex flex-wrap items-center gap-2 py-3" data-testid="ticket-row">
                <Link href={`/support/${t.id}`} className="font-semibold text-primary underline">{t.subject}</Link>
                <StateBadge state={t.status} />
                <span className="ml-auto text-xs text-muted">updated {localTime(t.updated_at)}</span>
              </li>
            ))}
          </ul>
          <LoadMore query={query} />
        </>
      )}
    </QueryState>
  );
}

export function NewTicket() {
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: async (body: { subject: string; body: string }) => unwrap(await api.POST("/v1/support/tickets", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["support", "tickets"] }),
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({ subject: String(form.get("subject") ?? ""), body: String(form.get("body") ?? "") }, {
      onSuccess: () => (event.target as HTMLFormElement).reset(),
    });
  }
  return (
    <form onSubmit={submit} className="space-y-3" aria-label="Open a ticket">
      <TextField id="ticket-subject" name="subject" label="Subject" required minLength={3} maxLength={200} />
      <TextArea id="ticket-body" name="body" label="What happened?" hint="Markdown is fine." required maxLength={20_000} />
      {create.error ? <ErrorAlert error={create.error} title="Could not open the ticket" /> : null}
      {create.data ? <p role="status" className="text-sm text-success-ink">Ticket opened: <Link href={`/support/${create.data.id}`} className="underline">{create.data.subject}</Link></p> : null}
      <Button type="submit" disabled={create.isPending}>Open ticket</Button>
    </form>
  );
}

/** One ticket: status, SLA due times, the conversation (the API's sanitised HTML) and a reply. */
export function TicketView({ ticketId }: { ticketId: string }) {
  const session = useSession();
  const me = useMe();
  const agent = useIsAgent();
  const queryClient = useQueryClient();
  const [body, setBody] = useState("");
  const key = ["support", "ticket", ticketId, session?.sessionId];
  const ticket = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET("/v1/support/tickets/{ticket_id}", { params: { path: { ticket_id: ticketId } } })),
  });
  const reply = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/support/tickets/{ticket_id}/messages", { params: { path: { ticket_id: ticketId } }, body: { body } })),
    onSuccess: (detail) => {
      setBody("");
      queryClient.setQueryData(key, detail);
      void queryClient.invalidateQueries({ queryKey: ["support", "tickets"] });
    },
  });
  const update = useMutation({
    mutationFn: async (body: { status?: TicketStatus; assignee_id?: string }) =>
      unwrap(await api.PATCH("/v1/support/tickets/{ticket_id}", { params: { path: { ticket_id: ticketId } }, body })),
    onSuccess: (detail) => {
      queryClient.setQueryData(key, detail);
      void queryClient.invalidateQueries({ queryKey: ["support", "queue"] });
    },
  });
  return (
    <QueryState query={ticket} loadingLabel="Loading the ticket">
      {(t) => (
        <>
          <PageHeader title={t.subject}>
            <span className="inline-flex flex-wrap items-center gap-2" data-testid="ticket-status">
              <StateBadge state={t.status} /> opened {localTime(t.created_at)}
              {t.first_response_at ? <> · first answer {localTime(t.first_response_at)}</> : <> · first answer due {localTime(t.first_response_due_at)}</>}
            </span>
          </PageHeader>
          <div className="grid gap-gutter">
            <Card title="Conversation" id="messages">
              <ol className="space-y-3">
                {t.messages.map((m) => (
                  <li key={m.id} data-testid="ticket-message"
                      className={`rounded-md border p-3 ${m.from_agent ? "border-primary bg-primary-tint" : "border-border bg-surface"}`}>
                    <p className="mb-1 text-xs text-muted"><span className="font-medium text-fg">{m.author_id === me.data?.user_id ? "You" : m.from_agent ? "Lancer support" : "Requester"}</span> · {localTime(m.created_at)}</p>
                    <div className="prose-post text-sm" dangerouslySetInnerHTML={{ __html: m.html }} />
                  </li>
                ))}
              </ol>
            </Card>
            {agent ? (
              <Card title="Handle (agent)" id="ticket-agent">
                <div className="flex flex-wrap items-end gap-2">
                  <SelectField id="ticket-status-select" label="Status" value={t.status} disabled={update.isPending}
                               onChange={(e) => update.mutate({ status: e.target.value as TicketStatus })}>
                    {TICKET_STATUSES.map((status) => <option key={status} value={status}>{status}</option>)}
                  </SelectField>
                  {me.data && t.assignee_id !== me.data.user_id ? (
                    <Button variant="secondary" disabled={update.isPending} onClick={() => update.mutate({ assignee_id: me.data?.user_id })}>Assign to me</Button>
                  ) : <span className="text-sm text-muted">Assigned to you.</span>}
                  <span className="text-sm text-muted">Resolution due {localTime(t.resolution_due_at)}</span>
                </div>
              </Card>
            ) : null}
            <Card title="Reply" id="ticket-reply" action={t.status !== "solved" && !agent ? (
              <Button variant="secondary" disabled={update.isPending} onClick={() => update.mutate({ status: "solved" })}>Mark as solved</Button>
            ) : null}>
              <form className="space-y-3" onSubmit={(e) => { e.preventDefault(); reply.mutate(); }} aria-label="Reply to support">
                <TextArea id="ticket-reply-body" label={agent ? "Your answer (as Lancer support)" : "Your message"} hint={t.status === "solved" ? "Writing again reopens the ticket." : "Markdown is fine."}
                          required maxLength={20_000} value={body} onChange={(e) => setBody(e.target.value)} />
                {reply.error ? <ErrorAlert error={reply.error} title="Could not send" /> : null}
                {update.error ? <ErrorAlert error={update.error} title="Could not change the status" /> : null}
                <Button type="submit" disabled={reply.isPending || body.trim() === ""}>{reply.isPending ? "Sending…" : "Send"}</Button>
              </form>
            </Card>
          </div>
        </>
      )}
    </QueryState>
  );
}
