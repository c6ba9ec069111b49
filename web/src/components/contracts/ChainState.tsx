import type { Contract } from "@/lib/market/contracts";
import { humanState } from "@/lib/market/format";

/**
 * The contract's state twice: from every indexed event (may still be reorged away: dashed, "pending")
 * and from confirmed events only (solid, "confirmed"). Words and border style differ, not just colour.
 */
export function ChainState({ contract }: { contract: Contract }) {
  const same = contract.pending.state === contract.confirmed.state;
  return (
    <div className="flex flex-wrap items-center gap-2 text-sm" data-testid="contract-state">
      <span className="inline-flex items-center gap-1 rounded-full border border-dashed border-warning bg-warning-tint px-2 py-0.5 text-warning-ink"
            data-status="pending" data-state={contract.pending.state}>
        <span aria-hidden="true">◷</span> Latest (pending): {humanState(contract.pending.state)}
        {contract.pending.block !== null ? <span className="text-xs">· block {contract.pending.block}</span> : null}
      </span>
      <span className="inline-flex items-center gap-1 rounded-full border border-success bg-success-tint px-2 py-0.5 text-success-ink"
            data-status="confirmed" data-state={contract.confirmed.state}>
        <span aria-hidden="true">✓</span> Confirmed: {humanState(contract.confirmed.state)}
        {contract.confirmed.block !== null ? <span className="text-xs">· block {contract.confirmed.block}</span> : null}
      </span>
      {!same ? <span className="text-xs text-muted">waiting for confirmations</span> : null}
    </div>
  );
}
