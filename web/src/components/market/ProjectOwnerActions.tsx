"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";

import { Button } from "@/components/ui/Button";
import { ErrorAlert } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";

type Project = components["schemas"]["ProjectOut"];

/** The client's controls: edit (draft/open), publish (draft → open), cancel, complete. */
export function ProjectOwnerActions({ project }: { project: Project }) {
  const queryClient = useQueryClient();
  const move = useMutation({
    mutationFn: async (to: "open" | "cancelled" | "completed") =>
      unwrap(await api.POST("/v1/projects/{project_id}/transition", { params: { path: { project_id: project.id } }, body: { to } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["project", project.id] }),
  });
  const editable = project.state === "draft" || project.state === "open";
  return (
    <div className="flex flex-wrap items-center gap-2">
      {editable ? <Link href={`/projects/${project.id}/edit`} className="rounded-md border border-border px-3 py-2 text-sm font-medium">Edit</Link> : null}
      {project.state === "draft" ? <Button disabled={move.isPending} onClick={() => move.mutate("open")}>Publish</Button> : null}
      {project.state === "in_progress" ? <Button variant="secondary" disabled={move.isPending} onClick={() => move.mutate("completed")}>Mark completed</Button> : null}
      {editable ? <Button variant="danger" disabled={move.isPending} onClick={() => move.mutate("cancelled")}>Cancel project</Button> : null}
      {move.error ? <ErrorAlert error={move.error} title="Not done" /> : null}
    </div>
  );
}
