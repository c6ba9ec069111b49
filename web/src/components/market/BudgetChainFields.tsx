"use client";

import { SelectField, TextField } from "@/components/ui/Field";
import { useChains } from "@/hooks/useChains";
import { toBaseUnits } from "@/lib/market/units";

/** The budget range (as typed, in tokens) and chain filter shared by project search and the match feed. */
export type BudgetChain = { min: string; max: string; chain: string };
export const ANY_BUDGET_CHAIN: BudgetChain = { min: "", max: "", chain: "" };
export const BUDGET_HINT = "Budgets are amounts like 100 or 2.5";

/** The filter as query parameters (amounts in base units), or null when an amount is not a number. */
export function budgetChainQuery(value: BudgetChain): { min_budget?: string; max_budget?: string; chain?: string } | null {
  const min = value.min ? toBaseUnits(value.min) : undefined;
  const max = value.max ? toBaseUnits(value.max) : undefined;
  if (min === null || max === null) return null;
  return { min_budget: min, max_budget: max, chain: value.chain || undefined };
}

/** Three grid cells: min budget, max budget, chain (ids `${idPrefix}-min`, `-max`, `-chain`). */
export function BudgetChainFields({ idPrefix, value, onChange }: {
  idPrefix: string; value: BudgetChain; onChange: (value: BudgetChain) => void;
}) {
  const { chains } = useChains();
  return (
    <>
      <TextField id={`${idPrefix}-min`} label="Min budget" inputMode="decimal" value={value.min} onChange={(e) => onChange({ ...value, min: e.target.value })} />
      <TextField id={`${idPrefix}-max`} label="Max budget" inputMode="decimal" value={value.max} onChange={(e) => onChange({ ...value, max: e.target.value })} />
      <SelectField id={`${idPrefix}-chain`} label="Chain" value={value.chain} onChange={(e) => onChange({ ...value, chain: e.target.value })}>
        <option value="">Any chain</option>
        {chains.map((c) => <option key={c.chain_id} value={c.name}>{c.display_name ?? c.name}</option>)}
      </SelectField>
    </>
  );
}
