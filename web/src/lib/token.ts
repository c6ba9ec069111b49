"use client";

import type { PreparedTx } from "@/components/wallet/TxRunner";
import { api, unwrap } from "@/lib/api/client";
import { asTxs } from "@/lib/txs";
import type { components } from "@/lib/api/schema";

export type StakingPosition = components["schemas"]["StakingPositionOut"];
export type Reward = components["schemas"]["RewardItem"];
export type StakingAction = "stake" | "request_unstake" | "withdraw" | "claim";


/** The unsigned staking transactions of my wallet (approve + stake, request_unstake, withdraw, claim). */
export async function prepareStaking(action: StakingAction, chain: string, wallet: string, amount?: string): Promise<PreparedTx[]> {
  const prepared = unwrap(await api.POST("/v1/staking/{action}/prepare", {
    params: { path: { action } }, body: { chain, wallet, amount: amount ?? null },
  }));
  return asTxs(prepared.transactions);
}

/** The unsigned claim of my wallet's leaf in one rewards epoch. */
export async function prepareRewardClaim(epoch: number, chain: string, account: string): Promise<PreparedTx[]> {
  const prepared = unwrap(await api.POST("/v1/rewards/{epoch}/claim/prepare", {
    params: { path: { epoch } }, body: { chain, account },
  }));
  return asTxs(prepared.transactions);
}
