"use client";

import { Button } from "@/components/ui/Button";
import { formatAmount } from "@/lib/money";
import { MARKET_DECIMALS, sumBaseUnits, toBaseUnits } from "@/lib/market/units";

export type MilestoneDraft = { title: string; amount: string };

/** Milestone rows (title + amount typed in whole tokens); the sum is computed in base units (bigint). */
export function MilestonesEditor({ value, onChange, symbol, idPrefix }: {
  value: MilestoneDraft[];
  onChange: (next: MilestoneDraft[]) => void;
  symbol: string;
  idPrefix: string;
}) {
  const set = (index: number, patch: Partial<MilestoneDraft>) =>
    onChange(value.map((m, i) => (i === index ? { ...m, ...patch } : m)));
  const total = sumBaseUnits(value.map((m) => toBaseUnits(m.amount)));
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium">Milestones</legend>
      {value.map((m, i) => {
        const invalid = m.amount !== "" && toBaseUnits(m.amount) === null;
        return (
          <div key={i} className="flex flex-wrap items-end gap-2" data-testid="milestone-input">
            <div className="min-w-48 flex-1">
              <label htmlFor={`${idPrefix}-title-${i}`} className="block text-xs text-muted">Milestone {i + 1} title</label>
              <input id={`${idPrefix}-title-${i}`} value={m.title} onChange={(e) => set(i, { title: e.target.value })}
                     className="w-full rounded-md border border-border bg-surface px-3 py-2 text-sm" />
            </div>
            <div className="w-40">
              <label htmlFor={`${idPrefix}-amount-${i}`} className="block text-xs text-muted">Milestone {i + 1} amount ({symbol})</label>
              <input id={`${idPrefix}-amount-${i}`} inputMode="decimal" value={m.amount} aria-invalid={invalid}
                     onChange={(e) => set(i, { amount: e.target.value })}
                     className="w-full rounded-md border border-border bg-surface px-3 py-2 font-mono text-sm" />
            </div>
            <Button variant="secondary" aria-label={`Remove milestone ${i + 1}`} disabled={value.length <= 1}
                    onClick={() => onChange(value.filter((_, j) => j !== i))}>Remove</Button>
          </div>
        );
      })}
      <div className="flex items-center justify-between gap-2">
        <Button variant="secondary" onClick={() => onChange([...value, { title: "", amount: "" }])}>Add milestone</Button>
        <p className="text-sm" data-testid="milestone-sum">
          Sum: <span className="font-mono">{formatAmount(total.toString(), MARKET_DECIMALS)}</span> {symbol}
        </p>
      </div>
    </fieldset>
  );
}

/** The API's milestone list, or an error message naming the first bad row. */
export function milestonesToApi(drafts: MilestoneDraft[]): { title: string; amount: string }[] | string {
  const out: { title: string; amount: string }[] = [];
  for (const [i, m] of drafts.entries()) {
    const amount = toBaseUnits(m.amount);
    if (!m.title.trim()) return `Milestone ${i + 1} needs a title`;
    if (amount === null || amount === "0") return `Milestone ${i + 1} needs a positive amount (up to ${MARKET_DECIMALS} decimals)`;
    out.push({ title: m.title.trim(), amount });
  }
  return out;
}
