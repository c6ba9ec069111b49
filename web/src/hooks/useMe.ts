"use client";

import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "@/lib/api/client";
import { useSession } from "./useSession";

export function useMe() {
  const session = useSession();
  return useQuery({
    queryKey: ["me", session?.sessionId],
    queryFn: async () => unwrap(await api.GET("/v1/me")),
    enabled: session !== null,
  });
}
