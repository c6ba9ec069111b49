"use client";

import { ProjectForm } from "@/components/market/ProjectForm";
import { Card, PageHeader } from "@/components/ui/Card";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";

export default function NewProjectPage() {
  return (
    <RequireSignIn>
      <PageHeader title="Post a project">It is saved as a draft; publish it from its page when it is ready.</PageHeader>
      <Card title="Project"><ProjectForm /></Card>
    </RequireSignIn>
  );
}
