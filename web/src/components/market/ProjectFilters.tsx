"use client";

import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { SelectField, TextField } from "@/components/ui/Field";
import { ANY_BUDGET_CHAIN, BUDGET_HINT, BudgetChainFields, budgetChainQuery } from "./BudgetChainFields";
import { SkillPicker } from "./SkillPicker";

export type ProjectQuery = {
  q?: string; skills?: string[]; min_budget?: string; max_budget?: string; chain?: string;
  state?: "draft" | "open" | "in_progress" | "completed" | "cancelled"; mine?: boolean;
};

const STATES = ["open", "in_progress", "completed", "cancelled", "draft"] as const;

/** Search words, skills, budget range (in tokens, sent as base units), chain and state. */
export function ProjectFilters({ onSearch, signedIn }: { onSearch: (query: ProjectQuery) => void; signedIn: boolean }) {
  const [q, setQ] = useState("");
  const [skills, setSkills] = useState<string[]>([]);
  const [budgetChain, setBudgetChain] = useState(ANY_BUDGET_CHAIN);
  const [state, setState] = useState<ProjectQuery["state"] | "">("open");
  const [mine, setMine] = useState(false);
  const [invalid, setInvalid] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const range = budgetChainQuery(budgetChain);
    if (range === null) return setInvalid(BUDGET_HINT);
    setInvalid(null);
    onSearch({ q: q || undefined, skills: skills.length ? skills : undefined, ...range, state: state || undefined,
               mine: mine || undefined });
  };

  return (
    <form role="search" aria-label="Projects" className="space-y-3" onSubmit={submit}>
      <TextField id="filter-q" label="Search" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="e.g. audit escrow" />
      <div className="grid gap-3 sm:grid-cols-4">
        <BudgetChainFields idPrefix="filter" value={budgetChain} onChange={setBudgetChain} />
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
