import { api, unwrap } from "@/lib/api/client";
import { asTxs } from "@/lib/txs";
import type { components } from "@/lib/api/schema";
import type { PreparedTx } from "@/components/wallet/TxRunner";

export type Contract = components["schemas"]["EngagementOut"];
export type Milestone = components["schemas"]["api__engagements__schemas__MilestoneOut"];
type Action = "accept" | "submit" | "release" | "dispute" | "refund";


export async function prepareEscrow(contractId: string, body: { chain?: string; arbiter?: string }): Promise<PreparedTx[]> {
  const prepared = unwrap(await api.POST("/v1/contracts/{contract_id}/escrow/prepare", {
    params: { path: { contract_id: contractId } },
    body: { chain: body.chain || null, arbiter: body.arbiter || null },
  }));
  return asTxs(prepared.transactions);
}

export async function prepareAction(contractId: string, action: Action, milestone?: number, note?: string): Promise<PreparedTx[]> {
  const prepared = unwrap(await api.POST("/v1/contracts/{contract_id}/actions/prepare", {
    params: { path: { contract_id: contractId } },
    body: { action, milestone: milestone ?? null, note: note || null },
  }));
  return asTxs(prepared.transactions);
}
