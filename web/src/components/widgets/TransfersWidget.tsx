"use client";

import { useQuery } from "@tanstack/react-query";

import { Amount } from "@/components/ui/Amount";
import { Card } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { ConfirmationBadge } from "@/components/ui/StatusBadge";
import { api, unwrap } from "@/lib/api/client";
import { shortAddress } from "@/lib/money";

export function TransfersWidget({ address }: { address: string }) {
  const query = useQuery({
    queryKey: ["transfers", address],
    queryFn: async () => unwrap(await api.GET("/v1/accounts/{address}/transfers", { params: { path: { address }, query: { limit: 10 } } })),
    refetchInterval: 15_000,
  });
  return (
    <Card title="Recent activity" id="activity">
      <QueryState query={query} loadingLabel="Loading transfers" isEmpty={(d) => d.items.length === 0}
                  empty="No token transfers for this wallet yet.">
        {(data) => (
          <ul className="divide-y divide-border text-sm">
            {data.items.map((t) => {
              const incoming = t.direction === "in";
              return (
                <li key={`${t.chain_id}-${t.tx_hash}-${t.log_index}`} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2" data-testid="transfer-row">
                  <span className="w-16 font-medium">{incoming ? "Received" : "Sent"}</span>
                  <Amount value={t.value} decimals={t.decimals} symbol={t.symbol} />
                  <span className="text-muted">{incoming ? "from" : "to"} <span className="font-mono">{shortAddress(incoming ? t.from_address : t.to_address)}</span></span>
                  <span className="text-muted">{t.chain} · block {t.block_number}</span>
                  <span className="ml-auto"><ConfirmationBadge confirmed={t.confirmed} /></span>
                </li>
              );
            })}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}
