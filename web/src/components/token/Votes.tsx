"use client";

import { useQueries } from "@tanstack/react-query";

import { Amount } from "@/components/ui/Amount";
import { Card } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/States";
import { ConfirmationBadge } from "@/components/ui/StatusBadge";
import { useChains } from "@/hooks/useChains";
import { api, unwrap } from "@/lib/api/client";

/** My LNC voting power per chain at its confirmed block: what a Snapshot space counts for me. */
export function Votes({ wallet }: { wallet: string }) {
  const { chains } = useChains();
  const votes = useQueries({
    queries: chains.map((c) => ({
      queryKey: ["votes", c.chain_id, wallet],
      retry: false,
      queryFn: async () => unwrap(await api.GET("/v1/governance/votes", { params: { query: { addresses: wallet, chain: String(c.chain_id) } } })),
    })),
  });
  // A chain without LNC answers 409: it simply has no row here.
  const rows = votes.flatMap((q) => (q.data ? [q.data] : []));
  return (
    <Card title="Voting power" id="votes">
      {rows.length === 0 ? <EmptyState>No chain with LNC has indexed your votes yet.</EmptyState> : (
        <ul className="divide-y divide-border text-sm">
          {rows.map((v) => (
            <li key={v.chain_id} className="flex flex-wrap items-center gap-2 py-2" data-testid="votes-row">
              <span className="font-medium">{chains.find((c) => c.chain_id === v.chain_id)?.name ?? v.chain_id}</span>
              <Amount value={v.score[0]?.score ?? "0"} decimals={v.decimals} symbol="votes" />
              <span className="text-muted">at block {v.block}</span>
              <ConfirmationBadge confirmed={v.confirmed} />
            </li>
          ))}
        </ul>
      )}
      <p className="mt-2 text-xs text-muted">LNC counts as votes once delegated (to yourself or someone else), as in ERC20Votes.</p>
    </Card>
  );
}
