"use client";

import { AgentQueue } from "@/components/support/Queue";
import { PageHeader } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/States";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { useIsAgent } from "@/lib/support";

function Queue() {
  if (!useIsAgent()) return <EmptyState>This page is for support agents.</EmptyState>;
  return <AgentQueue />;
}

export default function SupportQueuePage() {
  return (
    <>
      <PageHeader title="Support queue">Every ticket, with its SLA: answer the overdue ones first.</PageHeader>
      <RequireSignIn><Queue /></RequireSignIn>
    </>
  );
}
