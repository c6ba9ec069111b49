"use client";

import dynamic from "next/dynamic";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState } from "react";

import { SkeletonRows } from "@/components/ui/Skeleton";
import { useSession } from "@/hooks/useSession";

// The panel (chatbot, provider check) loads on first open, not with every page.
const SupportPanel = dynamic(() => import("./SupportPanel").then((m) => m.SupportPanel), {
  ssr: false,
  loading: () => <SkeletonRows rows={2} label="Loading support" />,
});

/** A floating "Help" button on every page, opening the support panel. */
export function SupportWidget() {
  const session = useSession();
  const [open, setOpen] = useState(false);
  // Following a link from the panel (a ticket, the FAQ) closes it: the page it opens is not hidden behind it.
  const pathname = usePathname();
  const [shownOn, setShownOn] = useState(pathname);
  if (shownOn !== pathname) {
    setShownOn(pathname);
    setOpen(false);
  }
  return (
    <div className="fixed bottom-4 right-4 z-40 flex flex-col items-end gap-2">
      {open ? (
        <section id="support-widget" aria-labelledby="support-widget-title" data-testid="support-widget"
                 className="max-h-[70vh] w-[min(24rem,calc(100vw-2rem))] overflow-y-auto rounded-lg border border-border bg-surface p-4 shadow-lg">
          <div className="mb-2 flex items-center justify-between">
            <h2 id="support-widget-title" className="font-semibold">Help</h2>
            <button type="button" className="rounded px-2 text-sm text-muted hover:bg-canvas" onClick={() => setOpen(false)}>
              <span aria-hidden="true">✕</span><span className="sr-only">Close</span>
            </button>
          </div>
          {session ? <SupportPanel /> : (
            <p className="text-sm">Sign in to ask the assistant or open a ticket. The <Link href="/support" className="text-primary underline">FAQ</Link> is open to everyone.</p>
          )}
        </section>
      ) : null}
      <button type="button" aria-expanded={open} aria-controls="support-widget" onClick={() => setOpen((o) => !o)}
              className="rounded-full bg-primary px-4 py-3 text-sm font-semibold text-primary-fg shadow-lg hover:bg-primary-hover">
        <span aria-hidden="true">? </span>{open ? "Close help" : "Help"}
      </button>
    </div>
  );
}
