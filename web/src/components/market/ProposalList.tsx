"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { Amount } from "@/components/ui/Amount";
import { Button } from "@/components/ui/Button";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { StateBadge } from "@/components/ui/StatusBadge";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";
import { days } from "@/lib/market/format";
import { MARKET_DECIMALS } from "@/lib/market/units";

type Proposal = components["schemas"]["ProposalOut"];

export function useProposals(projectId: string) {
  return useQuery({
    queryKey: ["proposals", projectId],
    queryFn: async () => unwrap(await api.GET("/v1/projects/{project_id}/proposals", { params: { path: { project_id: projectId } } })),
  });
}

/** The client's buttons for one proposal: shortlist, decline, accept (hire → a contract). */
function ProposalActions({ proposal, onDone }: { proposal: Proposal; onDone: () => void }) {
  const router = useRouter();
  const [key] = useState(() => crypto.randomUUID());
  const move = useMutation({
    mutationFn: async (action: "shortlist" | "decline" | "accept") => {
      const path = { proposal_id: proposal.id };
      if (action === "accept") {
        return unwrap(await api.POST("/v1/proposals/{proposal_id}/accept", { params: { path, header: { "Idempotency-Key": key } } })).id;
      }
      unwrap(await api.POST("/v1/proposals/{proposal_id}/{action}", { params: { path: { ...path, action } } }));
      return null;
    },
    onSuccess: (contractId) => (contractId ? router.push(`/contracts/${contractId}`) : onDone()),
  });
  if (proposal.state !== "submitted" && proposal.state !== "shortlisted") return null;
  const who = proposal.freelancer ?? "freelancer";
  return (
    <div className="flex flex-wrap gap-2">
      {proposal.state === "submitted" ? (
        <Button variant="secondary" disabled={move.isPending} aria-label={`Shortlist ${who}`} onClick={() => move.mutate("shortlist")}>Shortlist</Button>
      ) : null}
      <Button variant="danger" disabled={move.isPending} aria-label={`Decline ${who}`} onClick={() => move.mutate("decline")}>Decline</Button>
      <Button disabled={move.isPending} aria-label={`Accept and hire ${who}`} onClick={() => move.mutate("accept")}>Accept and hire</Button>
      {move.error ? <ErrorAlert error={move.error} title="Not done" /> : null}
    </div>
  );
}

/** The freelancer takes back a proposal that was not decided yet. */
function WithdrawButton({ proposal, onDone }: { proposal: Proposal; onDone: () => void }) {
  const withdraw = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/proposals/{proposal_id}/{action}", { params: { path: { proposal_id: proposal.id, action: "withdraw" } } })),
    onSuccess: onDone,
  });
  if (proposal.state !== "submitted" && proposal.state !== "shortlisted") return null;
  return (
    <div>
      <Button variant="secondary" disabled={withdraw.isPending} onClick={() => withdraw.mutate()}>Withdraw proposal</Button>
      {withdraw.error ? <ErrorAlert error={withdraw.error} title="Not withdrawn" /> : null}
    </div>
  );
}

export function ProposalCard({ proposal, symbol, decide, onChange }: { proposal: Proposal; symbol: string; decide: boolean; onChange: () => void }) {
  return (
    <li className="space-y-2 py-3" data-testid="proposal-row">
      <div className="flex flex-wrap items-center gap-2">
        {proposal.freelancer ? <Link href={`/profiles/${proposal.freelancer}`} className="font-semibold text-primary underline">{proposal.freelancer}</Link>
          : <span className="font-mono">{proposal.freelancer_address}</span>}
        <StateBadge state={proposal.state} />
        <span className="ml-auto">Price <Amount value={proposal.price} decimals={MARKET_DECIMALS} symbol={symbol} /></span>
      </div>
      <p className="whitespace-pre-line text-sm">{proposal.cover_letter}</p>
      <ol className="list-decimal pl-6 text-sm">
        {proposal.milestones.map((m, i) => (
          <li key={i}>{m.title}: <Amount value={m.amount} decimals={MARKET_DECIMALS} symbol={symbol} />{m.due_date ? ` (due ${m.due_date})` : ""}</li>
        ))}
      </ol>
      <p className="text-xs text-muted">Review period {days(proposal.review_period_seconds)} per milestone</p>
      {decide ? <ProposalActions proposal={proposal} onDone={onChange} /> : <WithdrawButton proposal={proposal} onDone={onChange} />}
    </li>
  );
}

/** Every proposal for the client (with decisions); one's own for a freelancer. */
export function ProposalList({ projectId, symbol, decide }: { projectId: string; symbol: string; decide: boolean }) {
  const queryClient = useQueryClient();
  const proposals = useProposals(projectId);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["proposals", projectId] });
  return (
    <QueryState query={proposals} isEmpty={(d) => d.length === 0} empty="No proposal yet." loadingLabel="Loading proposals">
      {(data) => (
        <ul className="divide-y divide-border">
          {data.map((p) => <ProposalCard key={p.id} proposal={p} symbol={symbol} decide={decide} onChange={refresh} />)}
        </ul>
      )}
    </QueryState>
  );
}
