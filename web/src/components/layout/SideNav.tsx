"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

import { useSession } from "@/hooks/useSession";
import { useUnread } from "@/hooks/useUnread";
import { useUserRole } from "@/hooks/useUserRole";
import { useIsModerator } from "@/lib/community";
import { useIsAgent } from "@/lib/support";
import { NAV } from "./nav";

export function SideNav({ onNavigate }: { onNavigate?: () => void }) {
  const pathname = usePathname();
  const session = useSession();
  const { role, roles, setRole } = useUserRole();
  const unread = useUnread().data?.total ?? 0;
  const granted = { moderator: useIsModerator(), agent: useIsAgent() };
  // The most specific item containing the page is the current one (/community/events is not /community).
  const hrefs = NAV.flatMap((section) => section.items.map((item) => item.href));
  const current = hrefs.filter((href) => pathname === href || pathname.startsWith(href + "/")).sort((a, b) => b.length - a.length)[0];
  return (
    <nav aria-label="Sections" className="space-y-6 p-4">
      {session && roles.length > 1 ? (
        <div>
          <label htmlFor="role" className="mb-1 block text-xs font-semibold uppercase tracking-wide text-muted">View as</label>
          <select id="role" value={role} onChange={(e) => setRole(e.target.value as typeof role)}
                  className="w-full rounded-md border border-border bg-surface px-2 py-1 text-sm">
            {roles.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </div>
      ) : null}
      {NAV.map((section) => {
        const items = section.items.filter((item) => (!item.signedIn || session) && (!item.roles || item.roles.includes(role))
                                               && (!item.only || granted[item.only]));
        if (items.length === 0) return null;
        return (
          <div key={section.title}>
            <h2 className="mb-2 text-xs font-semibold uppercase tracking-wide text-muted">{section.title}</h2>
            <ul className="space-y-1">
              {items.map((item) => {
                const active = item.href === current;
                return (
                  <li key={item.href}>
                    <Link href={item.href} onClick={onNavigate} aria-current={active ? "page" : undefined}
                          className={`block rounded-md px-3 py-2 text-sm ${active ? "bg-primary-tint font-semibold text-primary-hover" : "text-fg hover:bg-canvas"}`}>
                      {item.label}
                      {item.href === "/messages" && unread > 0 ? (
                        <span className="ml-2 rounded-full bg-primary px-2 text-xs text-primary-fg" data-testid="nav-unread">
                          {unread}<span className="sr-only"> unread</span>
                        </span>
                      ) : null}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </div>
        );
      })}
    </nav>
  );
}
