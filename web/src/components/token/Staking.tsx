"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { Amount } from "@/components/ui/Amount";
import { Card } from "@/components/ui/Card";
import { TextField } from "@/components/ui/Field";
import { QueryState } from "@/components/ui/States";
import { ConfirmationBadge } from "@/components/ui/StatusBadge";
import { LazyTxRunner } from "@/components/wallet/LazyTxRunner";
import { api, unwrap } from "@/lib/api/client";
import { localTime } from "@/lib/community";
import { toBaseUnits } from "@/lib/market/units";
import { prepareStaking, type StakingPosition } from "@/lib/token";

/** One chain's staking: what is staked and unbonding (from the index), and the wallet's next moves. */
function Position({ position, wallet, onSent }: { position: StakingPosition; wallet: string; onSent: () => void }) {
  const [amount, setAmount] = useState("");
  const units = toBaseUnits(amount, position.decimals);
  const chain = String(position.chain_id);
  const amountFor = (): string => {
    if (units === null || units === "0") throw new Error("Type a positive LNC amount first");
    return units;
  };
  return (
    <li className="space-y-3 py-4" data-testid="staking-position" data-chain-id={position.chain_id}>
      <div className="flex flex-wrap items-center gap-2">
        <h3 className="font-semibold">{position.chain}</h3>
        <ConfirmationBadge confirmed={position.confirmed_only} />
        <span className="text-xs text-muted">as of block {position.as_of_block}</span>
      </div>
      <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4">
        <div><dt className="text-muted">Staked</dt><dd data-testid="staked"><Amount value={position.staked} decimals={position.decimals} symbol="LNC" /></dd></div>
        <div><dt className="text-muted">Unbonding</dt><dd><Amount value={position.pending_unstake} decimals={position.decimals} symbol="LNC" /></dd></div>
        <div><dt className="text-muted">Withdrawn</dt><dd><Amount value={position.withdrawn} decimals={position.decimals} symbol="LNC" /></dd></div>
        <div><dt className="text-muted">Rewards paid</dt><dd><Amount value={position.rewards_paid} decimals={position.decimals} symbol="LNC" /></dd></div>
      </dl>
      {position.unlock_at && position.pending_unstake !== "0" ? (
        <p className="text-sm">{position.withdrawable ? "Ready to withdraw." : `Unlocks ${localTime(position.unlock_at)}.`}</p>
      ) : null}
      <TextField id={`stake-amount-${position.chain_id}`} label="Amount (LNC)" inputMode="decimal" value={amount}
                 onChange={(e) => setAmount(e.target.value)} className="font-mono" hint="For staking or requesting an unstake." />
      <div className="flex flex-wrap gap-2">
        <LazyTxRunner label="Stake" prepare={() => prepareStaking("stake", chain, wallet, amountFor())} onDone={onSent} />
        {position.staked !== "0" ? (
          <LazyTxRunner label="Request unstake" prepare={() => prepareStaking("request_unstake", chain, wallet, amountFor())} onDone={onSent} />
        ) : null}
        {position.withdrawable ? <LazyTxRunner label="Withdraw" prepare={() => prepareStaking("withdraw", chain, wallet)} onDone={onSent} /> : null}
        {position.staked !== "0" ? <LazyTxRunner label="Claim staking rewards" prepare={() => prepareStaking("claim", chain, wallet)} onDone={onSent} /> : null}
      </div>
    </li>
  );
}

/** LNC staking on every chain where it is deployed, for my wallet; pending blocks included, marked. */
export function Staking({ wallet }: { wallet: string }) {
  const queryClient = useQueryClient();
  const key = ["staking", wallet];
  const staking = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET("/v1/staking/{address}", { params: { path: { address: wallet }, query: { pending: true } } })),
    refetchInterval: 4_000,
  });
  return (
    <Card title="Staking" id="staking">
      <QueryState query={staking} isEmpty={(d) => d.chains.length === 0} empty="LNC staking is not deployed on any chain yet." loadingLabel="Loading staking">
        {(data) => (
          <ul className="divide-y divide-border">
            {data.chains.map((p) => <Position key={p.chain_id} position={p} wallet={wallet} onSent={() => void queryClient.invalidateQueries({ queryKey: key })} />)}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}
