import Link from "next/link";

import { Amount } from "@/components/ui/Amount";
import { StateBadge } from "@/components/ui/StatusBadge";
import type { components } from "@/lib/api/schema";
import { formatDate } from "@/lib/market/format";
import { MARKET_DECIMALS } from "@/lib/market/units";

type Project = components["schemas"]["ProjectOut"];

export function ProjectRow({ project, chainName, symbol }: { project: Project; chainName: string; symbol: string }) {
  return (
    <li className="space-y-1 py-3" data-testid="project-row">
      <div className="flex flex-wrap items-center gap-2">
        <Link href={`/projects/${project.id}`} className="font-semibold text-primary underline">{project.title}</Link>
        <StateBadge state={project.state} />
        <span className="ml-auto"><Amount value={project.budget} decimals={MARKET_DECIMALS} symbol={symbol} /></span>
      </div>
      <p className="line-clamp-2 text-sm text-muted">{project.description}</p>
      <p className="text-xs text-muted">
        {chainName} · {project.client ? <>by {project.client}</> : "client without a profile"} · posted {formatDate(project.created_at)}
        {project.skills.length ? <> · {project.skills.join(", ")}</> : null}
      </p>
    </li>
  );
}
