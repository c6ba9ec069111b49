import Link from "next/link";

import { Amount } from "@/components/ui/Amount";
import type { Contract } from "@/lib/market/contracts";
import { humanState } from "@/lib/market/format";
import { MARKET_DECIMALS } from "@/lib/market/units";

export function ContractRow({ contract, chainName, symbol }: { contract: Contract; chainName: string; symbol: string }) {
  const other = contract.role === "client" ? contract.freelancer : contract.client;
  return (
    <li className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2 text-sm" data-testid="contract-row">
      <Link href={`/contracts/${contract.id}`} className="font-medium text-primary underline">
        {contract.role === "client" ? "Hiring" : "Working for"} {other ?? "someone"}
      </Link>
      <span className="rounded-full border border-dashed border-warning px-2 py-0.5 text-xs" title="From every indexed event">{humanState(contract.pending.state)}</span>
      {contract.confirmed.state !== contract.pending.state ? (
        <span className="rounded-full border border-success px-2 py-0.5 text-xs" title="From confirmed events">confirmed: {humanState(contract.confirmed.state)}</span>
      ) : null}
      <Amount value={contract.total} decimals={MARKET_DECIMALS} symbol={symbol} />
      <span className="ml-auto text-muted">{chainName} · {contract.milestones.length} milestone{contract.milestones.length === 1 ? "" : "s"}</span>
    </li>
  );
}
