"use client";

import Link from "next/link";
import { useState } from "react";

import { ClientHome } from "@/components/dashboard/ClientHome";
import { FreelancerHome } from "@/components/dashboard/FreelancerHome";
import { HomeSwitch, homeOf, type Home } from "@/components/dashboard/HomeSwitch";
import { Card, PageHeader } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/States";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { BalancesWidget } from "@/components/widgets/BalancesWidget";
import { EscrowsWidget } from "@/components/widgets/EscrowsWidget";
import { TransfersWidget } from "@/components/widgets/TransfersWidget";
import { useMe } from "@/hooks/useMe";
import { useSession } from "@/hooks/useSession";
import { useUserRole } from "@/hooks/useUserRole";

function Dashboard() {
  const session = useSession();
  const me = useMe();
  const { role } = useUserRole();
  const wallets = me.data?.wallets.map((w) => w.address) ?? (session ? [session.address] : []);
  const [chosen, setChosen] = useState<string | null>(null);
  const [home, setHome] = useState<Home | null>(null);
  const view = home ?? homeOf(role);
  const wallet = chosen ?? session?.address ?? wallets[0];
  if (!wallet) return null;
  const sides: ("client" | "freelancer")[] = role === "client" ? ["client", "freelancer"] : ["freelancer", "client"];
  return (
    <>
      <PageHeader title={view === "client" ? "Client dashboard" : "Freelancer dashboard"}>
        {view === "client" ? "Your pipeline, recommended freelancers, escrows and invoices" : "Your matches, earnings, contracts, standing and tasks"};
        below, what the index holds for your wallet.
      </PageHeader>
      <HomeSwitch value={view} onChange={setHome} />
      {view === "client" ? <ClientHome /> : <FreelancerHome />}
      <h2 className="mb-3 mt-gutter text-title font-semibold">On chain</h2>
      {wallets.length > 1 ? (
        <div className="mb-4">
          <label htmlFor="wallet" className="mr-2 text-sm font-medium">Wallet</label>
          <select id="wallet" value={wallet} onChange={(e) => setChosen(e.target.value)}
                  className="rounded-md border border-border bg-surface px-2 py-1 font-mono text-sm">
            {wallets.map((w) => <option key={w} value={w}>{w}</option>)}
          </select>
        </div>
      ) : null}
      <div className="grid gap-gutter xl:grid-cols-2">
        <BalancesWidget address={wallet} />
        <TransfersWidget address={wallet} />
        {sides.map((side) => <EscrowsWidget key={side} address={wallet} side={side} />)}
        <Card title="Marketplace">
          <EmptyState>
            Find or post work in <Link href="/projects" className="text-primary underline">Projects</Link>; hires, escrows and
            invoices are in <Link href="/contracts" className="text-primary underline">Contracts</Link>, conversations
            in <Link href="/messages" className="text-primary underline">Messages</Link>.
          </EmptyState>
        </Card>
      </div>
    </>
  );
}

export default function DashboardPage() {
  return <RequireSignIn><Dashboard /></RequireSignIn>;
}
