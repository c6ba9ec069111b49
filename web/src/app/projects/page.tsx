"use client";

import Link from "next/link";
import { useState } from "react";

import { ProjectFilters, type ProjectQuery } from "@/components/market/ProjectFilters";
import { ProjectRow } from "@/components/market/ProjectRow";
import { Card, PageHeader } from "@/components/ui/Card";
import { LoadMore } from "@/components/ui/LoadMore";
import { QueryState } from "@/components/ui/States";
import { useChains } from "@/hooks/useChains";
import { useSession } from "@/hooks/useSession";
import { useKeysetPages } from "@/hooks/useKeysetPages";
import { api, unwrap } from "@/lib/api/client";

const PAGE = 20;

export default function ProjectsPage() {
  const session = useSession();
  const { nameOf, symbolOf } = useChains();
  const [filters, setFilters] = useState<ProjectQuery>({ state: "open" });
  const { query, items } = useKeysetPages(["projects", filters, session?.sessionId], async (cursor) => unwrap(await api.GET("/v1/projects", {
      params: { query: { ...filters, limit: PAGE, cursor } },
    })));
  return (
    <>
      <PageHeader title="Projects">Find work, or post a project and hire.</PageHeader>
      <div className="grid gap-gutter">
        <Card title="Filters" action={session ? <Link href="/projects/new" className="rounded-md bg-primary px-3 py-2 text-sm font-medium text-primary-fg">Post a project</Link> : null}>
          <ProjectFilters onSearch={setFilters} signedIn={session !== null} />
        </Card>
        <Card title="Results" id="project-results">
          <QueryState query={{ ...query, data: items }} isEmpty={(d) => d.length === 0} empty="No project matches these filters." loadingLabel="Loading projects">
            {(list) => (
              <>
                <ul className="divide-y divide-border">
                  {list.map((p) => <ProjectRow key={p.id} project={p} chainName={nameOf(p.chain_id)} symbol={symbolOf(p.token, p.chain_id)} />)}
                </ul>
                <LoadMore query={query} />
              </>
            )}
          </QueryState>
        </Card>
      </div>
    </>
  );
}
