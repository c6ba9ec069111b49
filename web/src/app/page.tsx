"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";

import { Card, PageHeader } from "@/components/ui/Card";
import { LazySignInPanel } from "@/components/wallet/LazySignInPanel";
import { EscrowsWidget } from "@/components/widgets/EscrowsWidget";
import { useSession } from "@/hooks/useSession";

export default function HomePage() {
  const session = useSession();
  const router = useRouter();
  const hadSession = useRef(session !== null);
  // Straight to the dashboard after signing in here (not when arriving already signed in).
  useEffect(() => {
    if (session && !hadSession.current) router.push("/dashboard");
    hadSession.current = session !== null;
  }, [session, router]);

  return (
    <>
      <PageHeader title="Work paid through escrow, on the chain you choose">
        Clients fund milestones into an escrow; freelancers are paid as milestones are released. Fees go to a
        public treasury that funds carbon offsets and social causes.
      </PageHeader>
      <div className="grid gap-gutter md:grid-cols-2">
        <Card title={session ? "You are signed in" : "Sign in"}>
          {session ? (
            <p>
              Go to your <Link href="/dashboard" className="font-medium text-primary underline">dashboard</Link>.
            </p>
          ) : (
            <LazySignInPanel />
          )}
        </Card>
        <Card title="In the open">
          <p className="text-sm text-muted">
            Every amount you see comes from the chain index: balances, escrows and the treasury, with pending
            and confirmed shown apart. See the <Link href="/sustainability" className="font-medium text-primary underline">sustainability ledger</Link>.
          </p>
        </Card>
      </div>
      {/* Public data, so a first visit (and `make dev`'s demo) shows what the index holds. */}
      <div className="mt-gutter"><EscrowsWidget limit={5} /></div>
    </>
  );
}
