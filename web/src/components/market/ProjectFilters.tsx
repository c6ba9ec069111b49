"use client";

import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { SelectField, TextField } from "@/components/ui/Field";
import { useChains } from "@/hooks/useChains";
import { toBaseUnits } from "@/lib/market/units";
import { SkillPicker } from "./SkillPicker";

export type ProjectQuery = {
  q?: string; skills?: string[]; min_budget?: string; max_budget?: string; chain?: string;
  state?: "draft" | "open" | "in_progress" | "completed" | "cancelled"; mine?: boolean;
};

const STATES = ["open", "in_progress", "completed", "cancelled", "draft"] as const;

/** Search words, skills, budget range (in tokens, sent as base units), chain and state. */
export function ProjectFilters({ onSearch, signedIn }: { onSearch: (query: ProjectQuery) => void; signedIn: boolean }) {
  const { chains } = useChains();
  const [q, setQ] = useState("");
  const [skills, setSkills] = useState<string[]>([]);
  const [min, setMin] = useState("");
  const [max, setMax] = useState("");
  const [chain, setChain] = useState("");
  const [state, setState] = useState<ProjectQuery["state"] | "">("open");
  const [mine, setMine] = useState(false);
  const [invalid, setInvalid] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const minUnits = min ? toBaseUnits(min) : undefined;
    const maxUnits = max ? toBaseUnits(max) : undefined;
    if (minUnits === null || maxUnits === null) return setInvalid("Budgets are amounts like 100 or 2.5");
    setInvalid(null);
    onSearch({ q: q || undefined, skills: skills.length ? skills : undefined, min_budget: minUnits, max_budget: maxUnits,
               chain: chain || undefined, state: state || undefined, mine: mine || undefined });
  };

  return (
    <form role="search" aria-label="Projects" className="space-y-3" onSubmit={submit}>
      <TextField id="filter-q" label="Search" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="e.g. audit escrow" />
      <div className="grid gap-3 sm:grid-cols-4">
        <TextField id="filter-min" label="Min budget" inputMode="decimal" value={min} onChange={(e) => setMin(e.target.value)} />
        <TextField id="filter-max" label="Max budget" inputMode="decimal" value={max} onChange={(e) => setMax(e.target.value)} />
        <SelectField id="filter-chain" label="Chain" value={chain} onChange={(e) => setChain(e.target.value)}>
          <option value="">Any chain</option>
          {chains.map((c) => <option key={c.chain_id} value={c.name}>{c.display_name ?? c.name}</option>)}
        </SelectField>
        <SelectField id="filter-state" label="State" value={state} onChange={(e) => setState(e.target.value as ProjectQuery["state"] | "")}>
          <option value="">Any state</option>
          {STATES.map((s) => <option key={s} value={s}>{s.replace("_", " ")}</option>)}
        </SelectField>
      </div>
      <details>
        <summary className="cursor-pointer text-sm font-medium">Skills{skills.length ? ` (${skills.length})` : ""}</summary>
        <div className="mt-2"><SkillPicker value={skills} onChange={setSkills} /></div>
      </details>
      <div className="flex flex-wrap items-center gap-4">
        {signedIn ? (
          <label className="inline-flex items-center gap-2 text-sm">
            <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> Only my projects
          </label>
        ) : null}
        <Button type="submit">Search</Button>
        {invalid ? <p role="alert" className="text-sm text-danger">{invalid}</p> : null}
      </div>
    </form>
  );
}
