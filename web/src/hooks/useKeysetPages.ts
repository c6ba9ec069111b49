"use client";

import { useInfiniteQuery, type QueryKey } from "@tanstack/react-query";

/** One page of an API list: keyset-paginated, `next_cursor` null on the last page. */
export type KeysetPage<T> = { items: T[]; next_cursor?: string | null };

/**
 * Every list in the API pages the same way (an opaque cursor naming the last row), so every list screen
 * loads it the same way: the pages so far, flattened, and the query to ask for the next one.
 */
export function useKeysetPages<T>(queryKey: QueryKey, fetchPage: (cursor: string | undefined) => Promise<KeysetPage<T>>,
                                  options: { enabled?: boolean; refetchInterval?: number } = {}) {
  const query = useInfiniteQuery({
    queryKey,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    ...options,
  });
  return { query, items: query.data?.pages.flatMap((page) => page.items) };
}
