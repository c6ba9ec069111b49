import { Button } from "@/components/ui/Button";
import type { Notification } from "@/hooks/useNotifications";
import { formatDate } from "@/lib/market/format";

export function NotificationRow({ item, onRead, busy }: { item: Notification; onRead: () => void; busy: boolean }) {
  const unread = item.read_at === null;
  return (
    <li className={`flex flex-wrap items-start justify-between gap-2 py-3 ${unread ? "" : "opacity-80"}`}
        data-testid="notification-row" data-read={!unread}>
      <div>
        <p className={unread ? "font-semibold" : ""}>
          {unread ? <span className="mr-2 inline-block h-2 w-2 rounded-full bg-primary" aria-hidden="true" /> : null}
          {item.title}{unread ? <span className="sr-only"> (unread)</span> : null}
        </p>
        <p className="text-xs text-muted">{item.kind} · {item.event} · {formatDate(item.created_at)}{item.status ? ` · ${item.status}` : ""}</p>
      </div>
      {unread ? <Button variant="secondary" onClick={onRead} disabled={busy} aria-label={`Mark read: ${item.title}`}>Mark read</Button> : null}
    </li>
  );
}
