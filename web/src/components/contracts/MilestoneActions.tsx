"use client";

import { useState } from "react";

import { LazyTxRunner } from "@/components/wallet/LazyTxRunner";
import { prepareAction, type Contract, type Milestone } from "@/lib/market/contracts";

/** What the viewer may do with one milestone now: the freelancer submits, the client releases, either disputes. */
export function MilestoneActions({ contract, milestone, onSent }: { contract: Contract; milestone: Milestone; onSent: () => void }) {
  const [note, setNote] = useState("");
  if (contract.state !== "active") return null;
  const open = milestone.state === "pending" || milestone.state === "submitted";
  if (!open) return null;
  const n = milestone.index + 1;
  if (contract.role === "freelancer") {
    if (milestone.state !== "pending") return <p className="text-xs text-muted">Submitted: waiting for the client.</p>;
    return (
      <div className="space-y-2">
        <label htmlFor={`note-${milestone.index}`} className="block text-xs text-muted">Deliverable for milestone {n} (link or note)</label>
        <input id={`note-${milestone.index}`} value={note} onChange={(e) => setNote(e.target.value)}
               className="w-full rounded-md border border-border bg-surface px-2 py-1 text-sm" />
        <LazyTxRunner label={`Submit milestone ${n}`} prepare={() => prepareAction(contract.id, "submit", milestone.index, note)} onDone={onSent} />
      </div>
    );
  }
  return (
    <div className="flex flex-wrap gap-2">
      <LazyTxRunner label={`Release milestone ${n}`} prepare={() => prepareAction(contract.id, "release", milestone.index)} onDone={onSent} />
      {milestone.state === "submitted" ? (
        <LazyTxRunner label={`Dispute milestone ${n}`} prepare={() => prepareAction(contract.id, "dispute", milestone.index, "disputed from the web app")} onDone={onSent} />
      ) : null}
    </div>
  );
}
