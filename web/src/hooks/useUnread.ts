"use client";

import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "@/lib/api/client";
import { useSession } from "./useSession";

/** My unread message counts; pages with a live socket (usePush) refresh it on every new message. */
export function useUnread() {
  const session = useSession();
  return useQuery({
    queryKey: ["unread"],
    queryFn: async () => unwrap(await api.GET("/v1/me/unread")),
    enabled: session !== null,
    refetchInterval: 30_000,
  });
}
