"use client";

import Link from "next/link";
import { useState, type ReactNode } from "react";

import { NotificationBell } from "@/components/notifications/NotificationBell";
import { SupportWidget } from "@/components/support/SupportWidget";
import { AccountMenu } from "@/components/wallet/AccountMenu";
import { Breadcrumbs } from "./Breadcrumbs";
import { SideNav } from "./SideNav";

/** Top bar, side navigation (a drawer on small screens), breadcrumbs and the page. */
export function AppShell({ children }: { children: ReactNode }) {
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-surface focus:p-2">
        Skip to content
      </a>
      <header className="sticky top-0 z-30 border-b border-border bg-surface">
        <div className="flex h-14 items-center gap-3 px-4">
          <button type="button" className="rounded-md border border-border px-2 py-1 text-sm lg:hidden"
                  aria-expanded={menuOpen} aria-controls="sidenav" onClick={() => setMenuOpen((open) => !open)}>
            <span aria-hidden="true">☰</span><span className="sr-only">Menu</span>
          </button>
          <Link href="/" className="text-lg font-bold tracking-tight text-primary">Lancer</Link>
          <nav aria-label="Main" className="ml-4 hidden gap-4 text-sm md:flex">
            <Link href="/dashboard" className="hover:underline">Dashboard</Link>
            <Link href="/projects" className="hover:underline">Projects</Link>
            <Link href="/community" className="hover:underline">Community</Link>
            <Link href="/sustainability" className="hover:underline">Sustainability</Link>
            <Link href="/settings/security" className="hover:underline">Settings</Link>
          </nav>
          <div className="ml-auto flex items-center gap-3"><NotificationBell /><AccountMenu /></div>
        </div>
      </header>
      <div className="flex">
        <aside id="sidenav" className={`${menuOpen ? "block" : "hidden"} fixed inset-y-14 left-0 z-20 w-sidenav border-r border-border bg-surface lg:static lg:block lg:min-h-[calc(100vh-3.5rem)]`}>
          <SideNav onNavigate={() => setMenuOpen(false)} />
        </aside>
        <main id="main" className="min-w-0 flex-1 p-4 sm:p-gutter">
          <div className="mx-auto max-w-6xl">
            <Breadcrumbs />
            {children}
          </div>
        </main>
      </div>
      <SupportWidget />
    </div>
  );
}
