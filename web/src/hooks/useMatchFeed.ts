"use client";

import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "@/lib/api/client";
import type { components, operations } from "@/lib/api/schema";

export type FeedPage = components["schemas"]["FeedPage"];
export type FeedItem = components["schemas"]["FeedItem"];
export type FeedQuery = NonNullable<operations["matching_feed_v1_matching_feed_get"]["parameters"]["query"]>;

/** The matching feed: projects for me (no project_id) or freelancers for a project I manage. */
export function useMatchFeed(query: FeedQuery, enabled = true) {
  return useQuery({
    queryKey: ["matching", query],
    queryFn: async () => unwrap(await api.GET("/v1/matching/feed", { params: { query } })),
    enabled,
    retry: false,
  });
}
