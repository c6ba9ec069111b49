export type Bar = { label: string; value: number; display?: string; note?: string };

/**
 * A small column chart without a chart library (first-load JS budget). The bars are decoration
 * (aria-hidden); the same figures are in a table that screen readers get instead.
 */
export function BarChart({ data, caption, unit = "", testId }: { data: Bar[]; caption: string; unit?: string; testId?: string }) {
  const max = Math.max(0, ...data.map((d) => Math.abs(d.value)));
  return (
    <figure className="space-y-2" data-testid={testId}>
      <div aria-hidden="true" className="flex h-32 items-end gap-1 border-b border-border">
        {data.map((d) => (
          <div key={d.label} className="flex h-full min-w-2 flex-1 flex-col justify-end" title={`${d.label}: ${d.display ?? d.value}${unit}`}>
            <div className={`rounded-t ${d.value < 0 ? "bg-danger" : "bg-primary"}`}
                 style={{ height: max === 0 ? "0%" : `${Math.max(d.value === 0 ? 0 : 2, (100 * Math.abs(d.value)) / max)}%` }} />
          </div>
        ))}
      </div>
      <div aria-hidden="true" className="flex justify-between text-xs text-muted">
        <span>{data[0]?.label}</span><span>{data.length > 1 ? data[data.length - 1]?.label : null}</span>
      </div>
      <figcaption className="text-sm text-muted">{caption}</figcaption>
      <table className="sr-only">
        <caption>{caption}</caption>
        <thead><tr><th scope="col">Period</th><th scope="col">Value</th></tr></thead>
        <tbody>{data.map((d) => <tr key={d.label}><th scope="row">{d.label}</th><td>{d.display ?? d.value}{unit}</td></tr>)}</tbody>
      </table>
    </figure>
  );
}

/** Horizontal bars for named parts (e.g. the reputation score's parts), value text always visible. */
export function PartBars({ data, testId }: { data: Bar[]; testId?: string }) {
  const max = Math.max(1e-9, ...data.map((d) => Math.abs(d.value)));
  return (
    <ul className="space-y-2 text-sm" data-testid={testId}>
      {data.map((d) => (
        <li key={d.label} className="grid grid-cols-[minmax(8rem,12rem)_1fr_5rem] items-center gap-3" data-testid={testId ? `${testId}-row` : undefined}>
          <span>{d.label}{d.note ? <span className="block text-xs text-muted">{d.note}</span> : null}</span>
          <span aria-hidden="true" className="h-2 rounded bg-skeleton">
            <span className={`block h-2 rounded ${d.value < 0 ? "bg-danger" : "bg-primary"}`} style={{ width: `${(100 * Math.abs(d.value)) / max}%` }} />
          </span>
          <span className="text-right tabular-nums">{d.display ?? d.value}</span>
        </li>
      ))}
    </ul>
  );
}
