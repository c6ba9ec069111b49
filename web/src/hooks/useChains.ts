"use client";

import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "@/lib/api/client";

/** The chain registry (id, name), cached for the page's life: it changes with a deployment only. */
export function useChains() {
  const query = useQuery({
    queryKey: ["chains"],
    queryFn: async () => unwrap(await api.GET("/v1/chains")),
    staleTime: Infinity,
  });
  const items = query.data?.items ?? [];
  const nameOf = (chainId: number) => items.find((c) => c.chain_id === chainId)?.name ?? `chain ${chainId}`;
  return { chains: items, nameOf, isPending: query.isPending };
}
