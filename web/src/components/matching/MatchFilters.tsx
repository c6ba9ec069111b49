"use client";

import { useState, type FormEvent } from "react";

import { ANY_BUDGET_CHAIN, BUDGET_HINT, BudgetChainFields, budgetChainQuery } from "@/components/market/BudgetChainFields";
import { SkillPicker } from "@/components/market/SkillPicker";
import { Button } from "@/components/ui/Button";
import { SelectField } from "@/components/ui/Field";
import type { FeedQuery } from "@/hooks/useMatchFeed";

/** Filters of a freelancer's project feed: skills, budget range (tokens, sent as base units), chain, ranker. */
export function MatchFilters({ onApply }: { onApply: (query: FeedQuery) => void }) {
  const [skills, setSkills] = useState<string[]>([]);
  const [budgetChain, setBudgetChain] = useState(ANY_BUDGET_CHAIN);
  const [ranker, setRanker] = useState<"" | "lexical" | "embedding">("");
  const [invalid, setInvalid] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const range = budgetChainQuery(budgetChain);
    if (range === null) return setInvalid(BUDGET_HINT);
    setInvalid(null);
    onApply({ skills, ...range, ranker: ranker || undefined });
  };

  return (
    <form role="search" aria-label="Matches" className="space-y-3" onSubmit={submit}>
      <div className="grid gap-3 sm:grid-cols-4">
        <BudgetChainFields idPrefix="match" value={budgetChain} onChange={setBudgetChain} />
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
