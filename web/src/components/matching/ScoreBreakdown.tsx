/** The parts of a match score as small bars (each part is 0..1 before weighting); the numbers are in the text too. */
export function ScoreBreakdown({ parts, weights }: { parts: Record<string, number>; weights: Record<string, number> }) {
  const entries = Object.entries(parts);
  if (entries.length === 0) return null;
  return (
    <dl className="mt-2 grid grid-cols-[auto_6rem_auto] items-center gap-x-2 gap-y-0.5 text-xs" data-testid="score-parts">
      {entries.map(([name, value]) => {
        const width = Math.max(0, Math.min(1, value)) * 100;
        return (
          <div key={name} className="contents" data-testid="score-part">
            <dt className="text-muted">{name.replaceAll("_", " ")}</dt>
            <dd aria-hidden="true" className="h-2 rounded bg-skeleton"><div className="h-2 rounded bg-primary" style={{ width: `${width}%` }} /></dd>
            <dd className="tabular-nums">{value.toFixed(2)}{weights[name] !== undefined ? <span className="text-muted"> × {weights[name].toFixed(2)}</span> : null}</dd>
          </div>
        );
      })}
    </dl>
  );
}
