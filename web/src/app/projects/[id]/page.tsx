"use client";

import { useParams } from "next/navigation";

import { RecommendedFreelancers } from "@/components/matching/RecommendedFreelancers";
import { ProjectOwnerActions } from "@/components/market/ProjectOwnerActions";
import { ProposalForm } from "@/components/market/ProposalForm";
import { ProposalList, useProposals } from "@/components/market/ProposalList";
import { Amount } from "@/components/ui/Amount";
import { Card, PageHeader } from "@/components/ui/Card";
import { EmptyState, QueryState } from "@/components/ui/States";
import { StateBadge } from "@/components/ui/StatusBadge";
import { LazySignInPanel } from "@/components/wallet/LazySignInPanel";
import { useChains } from "@/hooks/useChains";
import { useProject } from "@/hooks/useProject";
import { useSession } from "@/hooks/useSession";
import type { components } from "@/lib/api/schema";
import { formatDate } from "@/lib/market/format";
import { MARKET_DECIMALS } from "@/lib/market/units";

type Project = components["schemas"]["ProjectOut"];

/** A signed-in freelancer: their proposals, and the form while the project is open and none is active. */
function FreelancerSide({ project, symbol }: { project: Project; symbol: string }) {
  const mine = useProposals(project.id);
  return (
    <QueryState query={mine} loadingLabel="Loading your proposal">
      {(list) => {
        const active = list.some((p) => p.state === "submitted" || p.state === "shortlisted" || p.state === "accepted");
        return (
          <div className="space-y-4">
            {list.length > 0 ? <ProposalList projectId={project.id} symbol={symbol} decide={false} /> : null}
            {active ? null : project.state === "open" ? <ProposalForm projectId={project.id} symbol={symbol} />
              : <EmptyState>This project does not take proposals ({project.state.replace("_", " ")}).</EmptyState>}
          </div>
        );
      }}
    </QueryState>
  );
}

function ProjectView({ project }: { project: Project }) {
  const session = useSession();
  const { nameOf, symbolOf } = useChains();
  const symbol = symbolOf(project.token, project.chain_id);
  return (
    <>
      <PageHeader title={project.title}>
        <span className="inline-flex flex-wrap items-center gap-2">
          <StateBadge state={project.state} /> {nameOf(project.chain_id)} · by {project.client ?? "a client"} · posted {formatDate(project.created_at)}
        </span>
      </PageHeader>
      <div className="grid gap-gutter xl:grid-cols-2">
        <Card title="Brief" action={project.is_owner ? <ProjectOwnerActions project={project} /> : null}>
          <p className="whitespace-pre-line text-sm">{project.description}</p>
          <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-muted">Budget</dt>
            <dd data-testid="project-budget"><Amount value={project.budget} decimals={MARKET_DECIMALS} symbol={symbol} /></dd>
            <dt className="text-muted">Skills</dt><dd>{project.skills.join(", ") || "—"}</dd>
            <dt className="text-muted">Visibility</dt><dd>{project.visibility.replace("_", " ")}</dd>
            <dt className="text-muted">Deadline</dt><dd>{formatDate(project.deadline)}</dd>
          </dl>
          {project.milestones.length ? (
            <ol className="mt-3 list-decimal pl-6 text-sm">
              {project.milestones.map((m, i) => <li key={i}>{m.title}: <Amount value={m.amount} decimals={MARKET_DECIMALS} symbol={symbol} /></li>)}
            </ol>
          ) : null}
        </Card>
        <Card title={project.is_owner ? "Proposals" : "Your proposal"} id="proposals">
          {!session ? <LazySignInPanel />
            : project.is_owner ? <ProposalList projectId={project.id} symbol={symbol} decide />
            : <FreelancerSide project={project} symbol={symbol} />}
        </Card>
        {project.is_owner && session ? <RecommendedFreelancers projectId={project.id} /> : null}
      </div>
    </>
  );
}

export default function ProjectPage() {
  const { id } = useParams<{ id: string }>();
  const project = useProject(id);
  return <QueryState query={project} loadingLabel="Loading the project">{(p) => <ProjectView project={p} />}</QueryState>;
}
