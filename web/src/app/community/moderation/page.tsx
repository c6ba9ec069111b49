"use client";

import { BanList, ReportQueue } from "@/components/community/Moderation";
import { PageHeader } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/States";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { useIsModerator } from "@/lib/community";

function Moderation() {
  if (!useIsModerator()) return <EmptyState>This page is for community moderators.</EmptyState>;
  return (
    <div className="grid gap-gutter xl:grid-cols-[2fr_1fr]">
      <ReportQueue />
      <BanList />
    </div>
  );
}

export default function ModerationPage() {
  return (
    <>
      <PageHeader title="Moderation">Reports from members, the posts they point at, and bans. Every action is audited.</PageHeader>
      <RequireSignIn><Moderation /></RequireSignIn>
    </>
  );
}
