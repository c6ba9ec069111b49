"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";

import { Amount } from "@/components/ui/Amount";
import { Card } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { ConfirmationBadge, StateBadge } from "@/components/ui/StatusBadge";
import { api, unwrap } from "@/lib/api/client";
import { shortAddress } from "@/lib/money";

/** Escrows where the wallet is the client or the freelancer, newest first. */
export function EscrowsWidget({ address, side }: { address: string; side: "client" | "freelancer" }) {
  const query = useQuery({
    queryKey: ["escrows", side, address],
    queryFn: async () => unwrap(await api.GET("/v1/escrows", {
      params: { query: side === "client" ? { client: address, limit: 20 } : { freelancer: address, limit: 20 } },
    })),
  });
  return (
    <Card title={side === "client" ? "Escrows you fund" : "Escrows that pay you"} id={`escrows-${side}`}>
      <QueryState query={query} loadingLabel="Loading escrows" isEmpty={(d) => d.items.length === 0}
                  empty={side === "client" ? "You have not funded an escrow yet." : "No escrow pays this wallet yet."}>
        {(data) => (
          <ul className="divide-y divide-border text-sm">
            {data.items.map((e) => (
              <li key={`${e.chain_id}-${e.address}`} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2" data-testid="escrow-row">
                <Link href={`/escrows/${e.chain_id}/${e.address}`} className="font-mono font-medium text-primary underline">
                  {shortAddress(e.address)}
                </Link>
                <StateBadge state={e.state} />
                <Amount value={e.amounts.total} decimals={e.amounts.decimals ?? e.token.decimals} symbol={e.token.symbol} />
                <span className="text-muted">
                  {side === "client" ? "freelancer" : "client"} <span className="font-mono">{shortAddress(side === "client" ? e.freelancer : e.client)}</span> · {e.chain}
                </span>
                <span className="ml-auto"><ConfirmationBadge confirmed={e.confirmed} /></span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}
