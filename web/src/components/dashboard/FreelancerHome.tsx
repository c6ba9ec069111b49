"use client";

import { QueryState } from "@/components/ui/States";
import { useFreelancerDashboard } from "@/hooks/useDashboard";
import { ActiveContractsCard } from "./ActiveContractsCard";
import { EarningsCard } from "./EarningsCard";
import { MatchFeedCard } from "./MatchFeedCard";
import { StandingCard } from "./StandingCard";
import { TasksCard } from "./TasksCard";

export function FreelancerHome() {
  const dashboard = useFreelancerDashboard();
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
