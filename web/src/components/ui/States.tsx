import type { ReactNode } from "react";

import { errorMessage } from "@/lib/api/problem";
import { SkeletonRows } from "./Skeleton";

export function ErrorAlert({ error, title = "Could not load this" }: { error: unknown; title?: string }) {
  return (
    <div role="alert" data-testid="problem" className="rounded-md border border-danger bg-danger-tint p-3 text-sm text-danger-ink">
      <p className="font-semibold">{title}</p>
      <p>{errorMessage(error)}</p>
    </div>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="rounded-md border border-dashed border-border p-4 text-sm text-muted">{children}</p>;
}

type QueryLike<T> = { isPending: boolean; error: unknown; data: T | undefined };

/** One place that decides between skeleton, problem detail, empty text and the content. */
export function QueryState<T>({ query, isEmpty, empty, loadingLabel, rows, children }: {
  query: QueryLike<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  loadingLabel?: string;
  rows?: number;
  children: (data: T) => ReactNode;
}) {
  if (query.error) return <ErrorAlert error={query.error} />;
  if (query.isPending || query.data === undefined) return <SkeletonRows rows={rows} label={loadingLabel} />;
  if (isEmpty?.(query.data)) return <EmptyState>{empty ?? "Nothing here yet."}</EmptyState>;
  return <>{children(query.data)}</>;
}
