"use client";

import Link from "next/link";

import { useNotificationCount } from "@/hooks/useNotifications";
import { useSession } from "@/hooks/useSession";

/** The top bar's bell: a link to /notifications whose name says how many are unread. */
export function NotificationBell() {
  const session = useSession();
  const count = useNotificationCount().data?.unread ?? 0;
  if (!session) return null;
  const label = count > 0 ? `Notifications, ${count} unread` : "Notifications";
  return (
    <Link href="/notifications" aria-label={label} data-testid="notification-bell"
          className="relative inline-flex h-9 w-9 items-center justify-center rounded-md border border-border hover:bg-canvas">
      <svg aria-hidden="true" viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M18 8a6 6 0 1 0-12 0c0 7-3 9-3 9h18s-3-2-3-9M13.7 21a2 2 0 0 1-3.4 0" />
      </svg>
      {count > 0 ? (
        <span aria-hidden="true" data-testid="bell-count"
              className="absolute -right-1 -top-1 min-w-5 rounded-full bg-primary px-1 text-center text-xs font-semibold text-primary-fg">
          {count > 99 ? "99+" : count}
        </span>
      ) : null}
    </Link>
  );
}
