"use client";

import { Button } from "./Button";

type Pager = { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => Promise<unknown> };

/** The "Load more" button under a keyset list; nothing once the last page is in. */
export function LoadMore({ query, label = "Load more" }: { query: Pager; label?: string }) {
  if (!query.hasNextPage) return null;
  return (
    <Button variant="secondary" className="mt-3" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
      {query.isFetchingNextPage ? "Loading…" : label}
    </Button>
  );
}
