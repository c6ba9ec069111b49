"use client";

import Link from "next/link";
import { useState } from "react";

import { Card } from "@/components/ui/Card";
import { SelectField } from "@/components/ui/Field";
import { LoadMore } from "@/components/ui/LoadMore";
import { QueryState } from "@/components/ui/States";
import { StateBadge } from "@/components/ui/StatusBadge";
import { useKeysetPages } from "@/hooks/useKeysetPages";
import { useMe } from "@/hooks/useMe";
import { api, unwrap } from "@/lib/api/client";
import { authorLabel, localTime } from "@/lib/community";
import { overdue, TICKET_STATUSES, type Ticket, type TicketStatus } from "@/lib/support";

/** The next SLA due time of a ticket, red once it has passed. */
function Due({ ticket }: { ticket: Ticket }) {
  const [label, due, done] = ticket.first_response_at
    ? ["resolution due", ticket.resolution_due_at, ticket.solved_at]
    : ["first answer due", ticket.first_response_due_at, ticket.first_response_at];
  if (done) return null;
  const late = overdue(due, done);
  return (
    <span className={late ? "font-medium text-danger-ink" : "text-muted"} data-testid={late ? "sla-breached" : "sla-due"}>
      {late ? <span aria-hidden="true">⏰ </span> : null}{label} {localTime(due)}{late ? " (overdue)" : ""}
    </span>
  );
}

/** Every ticket for the agents, by status, most recently updated first, with its SLA and assignee. */
export function AgentQueue() {
  const me = useMe();
  const [status, setStatus] = useState<TicketStatus | "">("open");
  const { query, items } = useKeysetPages(["support", "queue", status], async (cursor) =>
    unwrap(await api.GET("/v1/support/queue", { params: { query: { status: status || undefined, limit: 20, cursor } } })));
  return (
    <Card title="Tickets" id="queue" action={
      <SelectField id="queue-status" label="Status" value={status} onChange={(e) => setStatus(e.target.value as TicketStatus | "")}>
        {TICKET_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
        <option value="">all</option>
      </SelectField>}>
      <QueryState query={{ ...query, data: items }} isEmpty={(d) => d.length === 0} empty="No ticket here." loadingLabel="Loading the queue">
        {(list) => (
          <>
            <ul className="divide-y divide-border">
              {list.map((t) => (
                <li key={t.id} className="space-y-1 py-3" data-testid="queue-row">
                  <div className="flex flex-wrap items-center gap-2">
                    <Link href={`/support/${t.id}`} className="font-semibold text-primary underline">{t.subject}</Link>
                    <StateBadge state={t.status} />
                  </div>
                  <p className="flex flex-wrap gap-x-3 text-xs">
                    <span className="text-muted">from {authorLabel(t.requester_id, me.data?.user_id)} · updated {localTime(t.updated_at)}</span>
                    <span className="text-muted">{t.assignee_id ? `assigned to ${authorLabel(t.assignee_id, me.data?.user_id)}` : "unassigned"}</span>
                    <Due ticket={t} />
                  </p>
                </li>
              ))}
            </ul>
            <LoadMore query={query} />
          </>
        )}
      </QueryState>
    </Card>
  );
}
