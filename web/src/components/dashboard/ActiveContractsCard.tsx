import Link from "next/link";

import { Amount } from "@/components/ui/Amount";
import { Card } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/States";
import { StateBadge } from "@/components/ui/StatusBadge";
import { useChains } from "@/hooks/useChains";
import type { FreelancerDashboard } from "@/hooks/useDashboard";
import { formatDate } from "@/lib/market/format";
import { MARKET_DECIMALS } from "@/lib/market/units";

type Contract = FreelancerDashboard["active_contracts"][number];

function NextMilestone({ contract, symbol }: { contract: Contract; symbol: string }) {
  const next = contract.next_milestone;
  if (!next) return <span className="text-muted">No milestone left</span>;
  return (
    <span>
      Milestone {next.index + 1}: <Amount value={next.amount} decimals={MARKET_DECIMALS} symbol={symbol} /> <StateBadge state={next.status} />
      {next.auto_release_at ? <span className="block text-xs text-muted" data-testid="auto-release">Auto-release {formatDate(next.auto_release_at)}</span> : null}
    </span>
  );
}

export function ActiveContractsCard({ contracts }: { contracts: Contract[] }) {
  const { symbolOf } = useChains();
  return (
    <Card title="Active contracts" id="active-contracts">
      {contracts.length === 0 ? <EmptyState>No contract in progress.</EmptyState> : (
        <ul className="divide-y divide-border text-sm">
          {contracts.map((c) => (
            <li key={c.id} className="py-2" data-testid="active-contract">
              <Link href={`/contracts/${c.id}`} className="font-medium text-primary underline">{c.project_title}</Link>
              <span className="ml-2">{c.escrow_status ? <StateBadge state={c.escrow_status} />
                : <span className="text-muted">{c.escrow ? "escrow closed" : "escrow not funded"}</span>}</span>
              <div className="mt-1"><NextMilestone contract={c} symbol={symbolOf(c.token, c.chain_id)} /></div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
