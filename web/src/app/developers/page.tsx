"use client";

import { DevApiKeys } from "@/components/developers/DevApiKeys";
import { Webhooks } from "@/components/developers/Webhooks";
import { PageHeader } from "@/components/ui/Card";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";

export default function DevelopersPage() {
  return (
    <>
      <PageHeader title="Developers">Keys for the public API (scoped, rotated with a grace period, usage per day) and webhooks with their delivery log.</PageHeader>
      <RequireSignIn>
        <div className="grid gap-gutter">
          <DevApiKeys />
          <Webhooks />
        </div>
      </RequireSignIn>
    </>
  );
}
