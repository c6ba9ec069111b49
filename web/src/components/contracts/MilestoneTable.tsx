"use client";

import { Amount } from "@/components/ui/Amount";
import type { Contract } from "@/lib/market/contracts";
import { humanState } from "@/lib/market/format";
import { MARKET_DECIMALS } from "@/lib/market/units";
import { useChains } from "@/hooks/useChains";
import { MilestoneActions } from "./MilestoneActions";

export function MilestoneTable({ contract, onSent }: { contract: Contract; onSent: () => void }) {
  const symbol = useChains().symbolOf(contract.token, contract.chain_id);
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Milestones</caption>
        <thead className="text-xs uppercase text-muted">
          <tr><th className="py-2 pr-3">#</th><th className="pr-3">Title</th><th className="pr-3">Amount</th><th className="pr-3">State</th><th>Action</th></tr>
        </thead>
        <tbody className="divide-y divide-border">
          {contract.milestones.map((m) => (
            <tr key={m.index} data-testid="contract-milestone" data-state={m.state} data-confirmed-state={m.confirmed_state}>
              <td className="py-2 pr-3">{m.index + 1}</td>
              <td className="pr-3">{m.title}</td>
              <td className="pr-3"><Amount value={m.amount} decimals={MARKET_DECIMALS} symbol={symbol} /></td>
              <td className="pr-3">
                {humanState(m.state)}
                {m.confirmed_state !== m.state ? <span className="block text-xs text-warning-ink">confirmed: {humanState(m.confirmed_state)}</span> : null}
              </td>
              <td className="py-2"><MilestoneActions contract={contract} milestone={m} onSent={onSent} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
