"use client";

import { SkeletonRows } from "@/components/ui/Skeleton";
import { QueryState } from "@/components/ui/States";
import { useChains } from "@/hooks/useChains";
import { useFreelancerDashboard } from "@/hooks/useDashboard";
import { ActiveContractsCard } from "./ActiveContractsCard";
import { EarningsCard } from "./EarningsCard";
import { MatchFeedCard } from "./MatchFeedCard";
import { StandingCard } from "./StandingCard";
import { TasksCard } from "./TasksCard";

export function FreelancerHome() {
  const dashboard = useFreelancerDashboard();
  // Amounts need the chain registry (names, native symbols): wait for it rather than show "chain 31337".
  const chains = useChains();
  if (chains.isPending) return <SkeletonRows rows={6} label="Loading your dashboard" />;
  return (
    <QueryState query={dashboard} loadingLabel="Loading your dashboard" rows={6}>
      {(d) => (
        <div className="grid gap-gutter xl:grid-cols-2" data-testid="freelancer-home">
          <MatchFeedCard matches={d.matched_projects} />
          <EarningsCard earnings={d.earnings} />
          <ActiveContractsCard contracts={d.active_contracts} />
          <StandingCard data={d} />
          <TasksCard tasks={d.tasks} />
        </div>
      )}
    </QueryState>
  );
}
