"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";

import { Amount } from "@/components/ui/Amount";
import { Card } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { ConfirmationBadge, StateBadge } from "@/components/ui/StatusBadge";
import { api, unwrap } from "@/lib/api/client";
import { shortAddress } from "@/lib/money";

type Side = "client" | "freelancer";

const TITLES: Record<Side, string> = { client: "Escrows you fund", freelancer: "Escrows that pay you" };
const EMPTY: Record<Side, string> = { client: "You have not funded an escrow yet.", freelancer: "No escrow pays this wallet yet." };

/** Escrows newest first: those where `address` is the client or the freelancer, or the latest of all. */
export function EscrowsWidget({ address, side, limit = 20 }: { address?: string; side?: Side; limit?: number }) {
  const query = useQuery({
    queryKey: ["escrows", side ?? "all", address, limit],
    queryFn: async () => unwrap(await api.GET("/v1/escrows", {
      params: { query: side === "client" ? { client: address, limit } : side === "freelancer" ? { freelancer: address, limit } : { limit } },
    })),
  });
  return (
    <Card title={side ? TITLES[side] : "Latest escrows"} id={`escrows-${side ?? "all"}`}>
      <QueryState query={query} loadingLabel="Loading escrows" isEmpty={(d) => d.items.length === 0}
                  empty={side ? EMPTY[side] : "No escrow has been created yet."}>
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
                  {side === "client" ? <>freelancer <span className="font-mono">{shortAddress(e.freelancer)}</span></>
                    : side === "freelancer" ? <>client <span className="font-mono">{shortAddress(e.client)}</span></>
                    : <><span className="font-mono">{shortAddress(e.client)}</span> → <span className="font-mono">{shortAddress(e.freelancer)}</span></>}
                  {" "}· {e.chain}
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
