import Link from "next/link";

import { Amount } from "@/components/ui/Amount";
import { useChains } from "@/hooks/useChains";
import type { FeedItem } from "@/hooks/useMatchFeed";
import { MARKET_DECIMALS } from "@/lib/market/units";
import { ScoreBreakdown } from "./ScoreBreakdown";

function Heading({ item }: { item: FeedItem }) {
  const { nameOf, symbolOf } = useChains();
  if (item.project) {
    const p = item.project;
    return (
      <>
        <Link href={`/projects/${item.id}`} className="font-medium text-primary underline">{p.title}</Link>
        <p className="text-xs text-muted">
          <Amount value={p.budget} decimals={MARKET_DECIMALS} symbol={symbolOf(p.token, p.chain_id)} /> · {nameOf(p.chain_id)} · {p.skills.join(", ") || "no skill listed"}
        </p>
      </>
    );
  }
  const f = item.freelancer;
  if (!f) return null;
  const name = f.display_name || f.handle || "A freelancer";
  return (
    <>
      {f.handle ? <Link href={`/profiles/${f.handle}`} className="font-medium text-primary underline">{name}</Link> : <span className="font-medium">{name}</span>}
      <p className="text-xs text-muted">
        {f.skills.join(", ") || "no skill listed"} · {f.availability} · reputation {f.reputation.toFixed(1)}
        {f.verified_skills.length ? ` · verified: ${f.verified_skills.join(", ")}` : ""}{f.is_new ? " · new" : ""}
      </p>
    </>
  );
}

/** One match: what it is, its score and the score's parts. */
export function MatchCard({ item, weights }: { item: FeedItem; weights: Record<string, number> }) {
  return (
    <li className="py-3" data-testid="match-card" data-slot={item.slot}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div><Heading item={item} /></div>
        <span className="text-sm font-semibold tabular-nums" data-testid="match-score">
          {item.score.toFixed(2)}{item.slot === "exploration" ? <span className="ml-1 text-xs font-normal text-muted">(exploration)</span> : null}
        </span>
      </div>
      <ScoreBreakdown parts={item.parts} weights={weights} />
    </li>
  );
}
