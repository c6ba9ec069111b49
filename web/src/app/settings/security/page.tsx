"use client";

import { ApiKeysCard } from "@/components/settings/ApiKeysCard";
import { SessionsCard } from "@/components/settings/SessionsCard";
import { TwoFactorCard } from "@/components/settings/TwoFactorCard";
import { PageHeader } from "@/components/ui/Card";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";

export default function SecurityPage() {
  return (
    <>
      <PageHeader title="Security">Two-factor authentication, where you are signed in, and keys for the API.</PageHeader>
      <RequireSignIn>
        <div className="grid gap-gutter">
          <TwoFactorCard />
          <SessionsCard />
          <ApiKeysCard />
        </div>
      </RequireSignIn>
    </>
  );
}
