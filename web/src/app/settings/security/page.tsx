"use client";

import Link from "next/link";

import { DevApiKeys } from "@/components/developers/DevApiKeys";
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
          <DevApiKeys id="api-keys" intro={
            <p className="text-sm text-muted">Usage per route and webhooks are on the{" "}
              <Link href="/developers" className="text-primary underline">Developers</Link> page.</p>
          } />
        </div>
      </RequireSignIn>
    </>
  );
}
