/**
 * The parts of a match score as small bars. Each part is its weighted contribution (the parts sum to the
 * score), so a bar is filled to contribution / weight: how much of that part's maximum the match earns.
 */
export function ScoreBreakdown({ parts, weights }: { parts: Record<string, number>; weights: Record<string, number> }) {
  const entries = Object.entries(parts);
  if (entries.length === 0) return null;
  return (
    <dl className="mt-2 grid grid-cols-[auto_6rem_auto] items-center gap-x-2 gap-y-0.5 text-xs" data-testid="score-parts">
      {entries.map(([name, value]) => {
        const weight = weights[name];
        const filled = weight ? Math.max(0, Math.min(1, value / weight)) : 0;
        return (
          <div key={name} className="contents" data-testid="score-part">
            <dt className="text-muted">{name.replaceAll("_", " ")}</dt>
            <dd aria-hidden="true" className="h-2 rounded bg-skeleton"><div className="h-2 rounded bg-primary" style={{ width: `${filled * 100}%` }} /></dd>
            <dd className="tabular-nums">{value.toFixed(2)}{weight !== undefined ? <span className="text-muted"> of {weight.toFixed(2)}</span> : null}</dd>
          </div>
        );
      })}
    </dl>
  );
}
