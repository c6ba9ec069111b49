"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { SelectField, TextArea } from "@/components/ui/Field";
import { ErrorAlert } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { MilestonesEditor, milestonesToApi, type MilestoneDraft } from "./MilestonesEditor";

const REVIEW_DAYS = [1, 3, 7, 14];

/** A freelancer's proposal: cover letter, milestone plan (its sum is the price) and review period. */
export function ProposalForm({ projectId, symbol }: { projectId: string; symbol: string }) {
  const queryClient = useQueryClient();
  const [cover, setCover] = useState("");
  const [milestones, setMilestones] = useState<MilestoneDraft[]>([{ title: "", amount: "" }]);
  const [reviewDays, setReviewDays] = useState(7);
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const plan = milestonesToApi(milestones);
    if (typeof plan === "string") return setError(new Error(plan));
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.POST("/v1/projects/{project_id}/proposals", {
        params: { path: { project_id: projectId }, header: { "Idempotency-Key": idempotencyKey } },
        body: { cover_letter: cover, milestones: plan, review_period_seconds: reviewDays * 86400 },
      }));
      await queryClient.invalidateQueries({ queryKey: ["proposals", projectId] });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="space-y-4" onSubmit={(e) => void submit(e)} aria-label="Proposal">
      <TextArea id="proposal-cover" label="Cover letter" required value={cover} onChange={(e) => setCover(e.target.value)} />
      <MilestonesEditor value={milestones} onChange={setMilestones} symbol={symbol} idPrefix="proposal-milestone" />
      <SelectField id="proposal-review" label="Review period per milestone" value={reviewDays} onChange={(e) => setReviewDays(Number(e.target.value))}>
        {REVIEW_DAYS.map((d) => <option key={d} value={d}>{d} day{d === 1 ? "" : "s"}</option>)}
      </SelectField>
      {error ? <ErrorAlert error={error} title="The proposal was not sent" /> : null}
      <Button type="submit" disabled={busy}>Send proposal</Button>
    </form>
  );
}
