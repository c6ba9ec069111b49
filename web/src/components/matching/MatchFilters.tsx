"use client";

import { useState, type FormEvent } from "react";

import { SkillPicker } from "@/components/market/SkillPicker";
import { Button } from "@/components/ui/Button";
import { SelectField, TextField } from "@/components/ui/Field";
import { useChains } from "@/hooks/useChains";
import type { FeedQuery } from "@/hooks/useMatchFeed";
import { toBaseUnits } from "@/lib/market/units";

/** Filters of a freelancer's project feed: skills, budget range (tokens, sent as base units), chain, ranker. */
export function MatchFilters({ onApply }: { onApply: (query: FeedQuery) => void }) {
  const { chains } = useChains();
  const [skills, setSkills] = useState<string[]>([]);
  const [min, setMin] = useState("");
  const [max, setMax] = useState("");
  const [chain, setChain] = useState("");
  const [ranker, setRanker] = useState<"" | "lexical" | "embedding">("");
  const [invalid, setInvalid] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const minUnits = min ? toBaseUnits(min) : undefined;
    const maxUnits = max ? toBaseUnits(max) : undefined;
    if (minUnits === null || maxUnits === null) return setInvalid("Budgets are amounts like 100 or 2.5");
    setInvalid(null);
    onApply({ skills, min_budget: minUnits, max_budget: maxUnits, chain: chain || undefined, ranker: ranker || undefined });
  };

  return (
    <form role="search" aria-label="Matches" className="space-y-3" onSubmit={submit}>
      <div className="grid gap-3 sm:grid-cols-4">
        <TextField id="match-min" label="Min budget" inputMode="decimal" value={min} onChange={(e) => setMin(e.target.value)} />
        <TextField id="match-max" label="Max budget" inputMode="decimal" value={max} onChange={(e) => setMax(e.target.value)} />
        <SelectField id="match-chain" label="Chain" value={chain} onChange={(e) => setChain(e.target.value)}>
          <option value="">Any chain</option>
          {chains.map((c) => <option key={c.chain_id} value={c.name}>{c.display_name ?? c.name}</option>)}
        </SelectField>
        <SelectField id="match-ranker" label="Ranker" value={ranker} onChange={(e) => setRanker(e.target.value as typeof ranker)}>
          <option value="">Platform default</option>
          <option value="lexical">Lexical</option>
          <option value="embedding">Embedding</option>
        </SelectField>
      </div>
      <details>
        <summary className="cursor-pointer text-sm font-medium">Skills{skills.length ? ` (${skills.length})` : ""}</summary>
        <div className="mt-2"><SkillPicker value={skills} onChange={setSkills} /></div>
      </details>
      <div className="flex items-center gap-4">
        <Button type="submit">Apply filters</Button>
        {invalid ? <p role="alert" className="text-sm text-danger">{invalid}</p> : null}
      </div>
    </form>
  );
}
