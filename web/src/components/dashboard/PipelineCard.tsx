import Link from "next/link";

import { Card } from "@/components/ui/Card";
import type { ClientDashboard } from "@/hooks/useDashboard";

type Pipeline = ClientDashboard["pipeline"];

/** Project counts per state, each with its newest projects. */
export function PipelineCard({ pipeline }: { pipeline: Pipeline }) {
  const states = Object.keys(pipeline.counts);
  return (
    <Card title="Pipeline" id="pipeline" action={<Link href="/projects/new" className="text-sm text-primary underline">Post a project</Link>}>
      <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-3">
        {states.map((state) => (
          <div key={state} className="rounded-md border border-border p-2" data-testid="pipeline-state" data-state={state}>
            <dt className="text-muted">{state.replaceAll("_", " ")}</dt>
            <dd className="text-title font-semibold tabular-nums">{pipeline.counts[state]}</dd>
            {(pipeline.recent[state] ?? []).slice(0, 2).map((p) => (
              <dd key={p.id} className="truncate text-xs"><Link href={`/projects/${p.id}`} className="text-primary underline">{p.title}</Link></dd>
            ))}
          </div>
        ))}
      </dl>
    </Card>
  );
}
