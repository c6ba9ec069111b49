"use client";

import { useQuery } from "@tanstack/react-query";

import { Amount } from "@/components/ui/Amount";
import { Card } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { shortAddress } from "@/lib/money";

/** Where the social share of fees went, month by month. */
export function Allocations() {
  const page = useQuery({
    queryKey: ["social-allocations"],
    queryFn: async () => unwrap(await api.GET("/v1/sustainability/social-allocations", { params: { query: { limit: 50 } } })),
  });
  return (
    <Card title="Allocations" id="allocations">
      <QueryState query={page} rows={3} loadingLabel="Loading allocations" isEmpty={(d) => d.items.length === 0}
                  empty="No social allocation paid yet.">
        {(data) => (
          <ul className="divide-y divide-border text-sm">
            {data.items.map((a) => (
              <li key={`${a.period}-${a.chain_id}-${a.kind}-${a.token}-${a.destination}`} className="flex flex-wrap gap-x-3 py-2" data-testid="allocation-row">
                <span className="font-medium">{a.period.slice(0, 7)}</span><span>{a.chain}</span><span>{a.kind}</span>
                <Amount value={a.amount} decimals={a.decimals} symbol={a.symbol ?? "native"} />
                <span className="text-muted">to <span className="font-mono">{shortAddress(a.destination)}</span> in {a.count} transfer(s)</span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}
