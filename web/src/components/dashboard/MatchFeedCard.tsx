import Link from "next/link";

import { Amount } from "@/components/ui/Amount";
import { Card } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/States";
import { useChains } from "@/hooks/useChains";
import type { FreelancerDashboard } from "@/hooks/useDashboard";
import { MARKET_DECIMALS } from "@/lib/market/units";

type Match = FreelancerDashboard["matched_projects"][number];

/** The top of the freelancer's match feed; the full feed with filters is on /matching. */
export function MatchFeedCard({ matches }: { matches: Match[] }) {
  const { nameOf, symbolOf } = useChains();
  return (
    <Card title="Matched projects" id="match-feed" action={<Link href="/matching" className="text-sm text-primary underline">All matches</Link>}>
      {matches.length === 0 ? <EmptyState>No open project matches your skills yet.</EmptyState> : (
        <ul className="divide-y divide-border text-sm">
          {matches.map((m) => (
            <li key={m.id} className="flex flex-wrap items-center justify-between gap-2 py-2" data-testid="matched-project">
              <Link href={`/projects/${m.id}`} className="font-medium text-primary underline">{m.title}</Link>
              <span className="text-muted">
                <Amount value={m.budget} decimals={MARKET_DECIMALS} symbol={symbolOf(m.token, m.chain_id)} /> · {nameOf(m.chain_id)} · score {m.score.toFixed(2)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
