"use client";

import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "@/lib/api/client";
import { tokenSymbol } from "@/lib/market/units";

/** The chain registry (id, name), cached for the page's life: it changes with a deployment only. */
export function useChains() {
  const query = useQuery({
    queryKey: ["chains"],
    queryFn: async () => unwrap(await api.GET("/v1/chains")),
    staleTime: Infinity,
  });
  const items = query.data?.items ?? [];
  const nameOf = (chainId: number) => items.find((c) => c.chain_id === chainId)?.name ?? `chain ${chainId}`;
  const nativeSymbolOf = (chainId: number) => items.find((c) => c.chain_id === chainId)?.native_currency.symbol ?? "native";
  /** A marketplace token's symbol: the chain's native coin (zero address) or LNC. */
  const symbolOf = (token: string, chainId: number) => (tokenSymbol(token) === "native" ? nativeSymbolOf(chainId) : "LNC");
  return { chains: items, nameOf, symbolOf, isPending: query.isPending };
}
