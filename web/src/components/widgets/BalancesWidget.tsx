"use client";

import { useQuery } from "@tanstack/react-query";

import { Amount } from "@/components/ui/Amount";
import { Card } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";

/** Token and native balances per chain: the confirmed amount, and the pending one when it differs. */
export function BalancesWidget({ address }: { address: string }) {
  const query = useQuery({
    queryKey: ["balances", address],
    queryFn: async () => unwrap(await api.GET("/v1/accounts/{address}/balances", { params: { path: { address } } })),
    refetchInterval: 15_000,
  });
  return (
    <Card title="Balances" id="balances">
      <QueryState query={query} loadingLabel="Loading balances" isEmpty={(d) => d.items.length === 0}
                  empty="No balances indexed for this wallet yet.">
        {(data) => (
          <div className="overflow-x-auto">
            <table className="w-full text-sm">
              <caption className="sr-only">Balances per chain and asset</caption>
              <thead className="text-left text-muted">
                <tr><th scope="col" className="py-1 pr-3">Chain</th><th scope="col" className="py-1 pr-3">Asset</th>
                  <th scope="col" className="py-1 pr-3 text-right">Confirmed</th><th scope="col" className="py-1 text-right">Pending</th></tr>
              </thead>
              <tbody>
                {data.items.map((b) => (
                  <tr key={`${b.chain_id}-${b.asset}`} className="border-t border-border" data-testid="balance-row">
                    <td className="py-2 pr-3">{b.chain}</td>
                    <td className="py-2 pr-3">{b.symbol}</td>
                    <td className="py-2 pr-3 text-right">
                      {b.confirmed === null ? <span className="text-muted">not yet</span> : <Amount value={b.confirmed} decimals={b.decimals} />}
                    </td>
                    <td className="py-2 text-right">
                      {b.pending !== null && b.pending !== b.confirmed ? (
                        <span className="rounded border border-dashed border-warning bg-warning-tint px-1 text-warning-ink" data-status="pending">
                          <Amount value={b.pending} decimals={b.decimals} />
                        </span>
                      ) : (
                        <span className="text-muted">same</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {data.totals.length > 0 ? (
              <p className="mt-3 text-sm text-muted">
                Across chains:{" "}
                {data.totals.map((t, i) => (
                  <span key={t.symbol}>{i > 0 ? ", " : ""}<Amount value={t.confirmed} decimals={t.decimals} symbol={t.symbol} /></span>
                ))}
              </p>
            ) : null}
          </div>
        )}
      </QueryState>
    </Card>
  );
}
