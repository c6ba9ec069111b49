import Link from "next/link";

import { Amount } from "@/components/ui/Amount";
import { Card } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/States";
import { ConfirmationBadge, StateBadge } from "@/components/ui/StatusBadge";
import { useChains } from "@/hooks/useChains";
import type { ClientDashboard } from "@/hooks/useDashboard";
import { formatDate } from "@/lib/market/format";
import { MARKET_DECIMALS } from "@/lib/market/units";

type Escrow = ClientDashboard["escrows"][number];

/** Escrows the client funds: locked amount, confirmation, and milestones awaiting approval with their auto-release time. */
export function EscrowStatusCard({ escrows }: { escrows: Escrow[] }) {
  const { nameOf, symbolOf } = useChains();
  return (
    <Card title="Escrow status" id="escrow-status">
      {escrows.length === 0 ? <EmptyState>No escrow funded by your wallets.</EmptyState> : (
        <ul className="divide-y divide-border text-sm">
          {escrows.map((e) => (
            <li key={`${e.chain_id}:${e.address}`} className="py-2" data-testid="escrow-status-row">
              <div className="flex flex-wrap items-center gap-2">
                <Link href={`/escrows/${e.chain_id}/${e.address}`} className="font-mono text-primary underline">{e.address.slice(0, 10)}…</Link>
                <span className="text-muted">{nameOf(e.chain_id)}</span>
                <StateBadge state={e.status} /> <ConfirmationBadge confirmed={e.confirmed} />
              </div>
              <div className="mt-1 text-muted">
                Locked <Amount value={e.locked} decimals={MARKET_DECIMALS} symbol={symbolOf(e.token, e.chain_id)} /> of funded <Amount value={e.funded} decimals={MARKET_DECIMALS} />
              </div>
              {e.pending_approvals.map((m) => (
                <p key={m.index} className="text-xs" data-testid="pending-approval">
                  Milestone {m.index + 1} awaits your approval; auto-release {formatDate(m.auto_release_at)}
                </p>
              ))}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
