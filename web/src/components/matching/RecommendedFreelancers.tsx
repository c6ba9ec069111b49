"use client";

import { Card } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { useMatchFeed } from "@/hooks/useMatchFeed";
import { MatchList } from "./MatchList";

/** On the project page of its client: freelancers the matching feed recommends for it. */
export function RecommendedFreelancers({ projectId }: { projectId: string }) {
  const feed = useMatchFeed({ project_id: projectId, limit: 10 });
  return (
    <Card title="Recommended freelancers" id="matches">
      <QueryState query={feed} loadingLabel="Ranking freelancers" rows={3}>
        {(page) => <MatchList page={page} empty="No freelancer matches this project yet." />}
      </QueryState>
    </Card>
  );
}
