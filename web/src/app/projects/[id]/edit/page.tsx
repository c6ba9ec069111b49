"use client";

import { useParams } from "next/navigation";

import { ProjectForm } from "@/components/market/ProjectForm";
import { Card, PageHeader } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { useProject } from "@/hooks/useProject";

function Edit() {
  const { id } = useParams<{ id: string }>();
  const project = useProject(id);
  return (
    <>
      <PageHeader title="Edit project">Drafts and open projects can be edited.</PageHeader>
      <Card title="Project">
        <QueryState query={project}>{(p) => <ProjectForm initial={p} />}</QueryState>
      </Card>
    </>
  );
}

export default function EditProjectPage() {
  return <RequireSignIn><Edit /></RequireSignIn>;
}
