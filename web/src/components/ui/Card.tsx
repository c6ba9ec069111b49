import type { ReactNode } from "react";

export function Card({ title, action, children, id }: { title: string; action?: ReactNode; children: ReactNode; id?: string }) {
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section aria-labelledby={headingId} id={id} className="rounded-lg border border-border bg-surface p-4 shadow-sm sm:p-gutter">
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 id={headingId} className="text-title font-semibold">{title}</h2>
        {action}
      </div>
      {children}
    </section>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <header className="mb-gutter">
      <h1 className="text-display font-bold tracking-tight">{title}</h1>
      {children ? <div className="mt-1 text-muted">{children}</div> : null}
    </header>
  );
}
