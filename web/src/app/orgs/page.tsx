"use client";

import { MyInvitations, MyOrgs, NewOrg } from "@/components/orgs/OrgList";
import { PageHeader } from "@/components/ui/Card";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";

export default function OrgsPage() {
  return (
    <>
      <PageHeader title="Organizations">Client teams: post projects together, hire, and see the team&apos;s contracts and spend.</PageHeader>
      <RequireSignIn>
        <div className="grid gap-gutter xl:grid-cols-2">
          <MyOrgs />
          <div className="grid gap-gutter"><MyInvitations /><NewOrg /></div>
        </div>
      </RequireSignIn>
    </>
  );
}
