import Link from "next/link";

import { Card } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/States";
import type { ClientDashboard } from "@/hooks/useDashboard";

export function RecommendedCard({ data }: { data: ClientDashboard }) {
  const project = data.recommended_for;
  return (
    <Card title="Recommended freelancers" id="recommended"
          action={project ? <Link href={`/projects/${project}#matches`} className="text-sm text-primary underline">For your newest open project</Link> : null}>
      {data.recommended_freelancers.length === 0 ? <EmptyState>Publish a project to see freelancers who match it.</EmptyState> : (
        <ul className="divide-y divide-border text-sm">
          {data.recommended_freelancers.map((f) => (
            <li key={f.user_id} className="flex justify-between gap-2 py-2" data-testid="recommended-freelancer">
              <Link href={`/profiles/${f.handle}`} className="font-medium text-primary underline">{f.display_name || f.handle}</Link>
              <span className="text-muted">score {f.score.toFixed(2)}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
