"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { useMarkRead, useNotifications, type NotificationKind } from "@/hooks/useNotifications";
import { KINDS } from "./kinds";
import { NotificationRow } from "./NotificationRow";

export function NotificationList() {
  const [unread, setUnread] = useState(false);
  const [kind, setKind] = useState<NotificationKind | null>(null);
  const list = useNotifications(unread, kind);
  const mark = useMarkRead();
  const count = list.data?.unread ?? 0;
  return (
    <Card title="Inbox" id="inbox"
          action={<Button variant="secondary" onClick={() => mark.mutate(null)} disabled={mark.isPending || count === 0}>Mark all read</Button>}>
      <div className="mb-3 flex flex-wrap items-center gap-4 text-sm">
        <label className="inline-flex items-center gap-2">
          <input type="checkbox" checked={unread} onChange={(e) => setUnread(e.target.checked)} /> Unread only
        </label>
        <label htmlFor="notification-kind">Kind</label>
        <select id="notification-kind" value={kind ?? ""} onChange={(e) => setKind((e.target.value || null) as NotificationKind | null)}
                className="rounded-md border border-border bg-surface px-2 py-1">
          <option value="">All kinds</option>
          {KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
        </select>
        <span role="status" data-testid="notifications-unread" className="ml-auto text-muted">{count} unread</span>
      </div>
      {mark.error ? <ErrorAlert error={mark.error} title="Could not mark as read" /> : null}
      <QueryState query={list} loadingLabel="Loading notifications" isEmpty={(page) => page.items.length === 0} empty="No notification here.">
        {(page) => (
          <ul className="divide-y divide-border text-sm">
            {page.items.map((n) => <NotificationRow key={n.id} item={n} busy={mark.isPending} onRead={() => mark.mutate(n.id)} />)}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}
