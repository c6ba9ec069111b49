"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";

import { Amount } from "@/components/ui/Amount";
import { Card } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { StateBadge } from "@/components/ui/StatusBadge";
import { LazyTxRunner } from "@/components/wallet/LazyTxRunner";
import { useChains } from "@/hooks/useChains";
import { api, unwrap } from "@/lib/api/client";
import { prepareRewardClaim, type Reward } from "@/lib/token";

function rewardState(r: Reward): string {
  if (r.claimed) return r.claim_confirmed ? "claimed" : "claim pending";
  return r.published ? "claimable" : "not published yet";
}

/** My LNC rewards per epoch (points and rebate), and a claim through my wallet once the epoch is published. */
export function Rewards({ wallet }: { wallet: string }) {
  const queryClient = useQueryClient();
  const { nameOf } = useChains();
  const key = ["rewards", wallet];
  const rewards = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET("/v1/rewards/{address}", { params: { path: { address: wallet } } })),
  });
  return (
    <Card title="Rewards" id="rewards">
      <QueryState query={rewards} isEmpty={(d) => d.items.length === 0} empty="No reward yet: epochs pay for completed work and activity." loadingLabel="Loading rewards">
        {(data) => (
          <ul className="divide-y divide-border text-sm">
            {data.items.map((r) => (
              <li key={`${r.chain_id}-${r.epoch}-${r.leaf_index}`} className="flex flex-wrap items-center gap-2 py-3" data-testid="reward-row">
                <span className="font-medium">Epoch {r.epoch} · {nameOf(r.chain_id)}</span>
                <Amount value={r.amount} decimals={r.decimals} symbol="LNC" />
                <span className="text-muted">{r.points} points</span>
                <StateBadge state={rewardState(r)} />
                {r.published && !r.claimed ? (
                  <span className="ml-auto">
                    <LazyTxRunner label={`Claim epoch ${r.epoch}`} prepare={() => prepareRewardClaim(r.epoch, String(r.chain_id), wallet)}
                                  onDone={() => void queryClient.invalidateQueries({ queryKey: key })} />
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}
