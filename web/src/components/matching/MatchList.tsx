import { EmptyState } from "@/components/ui/States";
import type { FeedPage } from "@/hooks/useMatchFeed";
import { MatchCard } from "./MatchCard";

/** A feed page: which ranker answered, then the matches. */
export function MatchList({ page, empty }: { page: FeedPage; empty: string }) {
  return (
    <>
      <p className="mb-2 text-xs text-muted">Ranked by <span data-testid="ranker" className="font-mono">{page.ranker}</span></p>
      {page.items.length === 0 ? <EmptyState>{empty}</EmptyState> : (
        <ul className="divide-y divide-border text-sm">
          {page.items.map((item) => <MatchCard key={item.id} item={item} weights={page.weights} />)}
        </ul>
      )}
    </>
  );
}
