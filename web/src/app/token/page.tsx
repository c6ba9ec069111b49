"use client";

import { Rewards } from "@/components/token/Rewards";
import { Staking } from "@/components/token/Staking";
import { Votes } from "@/components/token/Votes";
import { PageHeader } from "@/components/ui/Card";
import { SkeletonRows } from "@/components/ui/Skeleton";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { useMe } from "@/hooks/useMe";

function TokenEconomy() {
  const me = useMe();
  // The wallet I signed in with first: the API prepares its transactions; it signs them itself.
  const wallet = me.data?.wallets[0]?.address;
  if (!wallet) return <SkeletonRows rows={4} label="Loading your wallet" />;
  return (
    <div className="grid gap-gutter xl:grid-cols-2">
      <Staking wallet={wallet} />
      <div className="grid gap-gutter"><Rewards wallet={wallet} /><Votes wallet={wallet} /></div>
    </div>
  );
}

export default function TokenPage() {
  return (
    <>
      <PageHeader title="LNC">Stake, claim your rewards and see your voting power. Your wallet signs every move.</PageHeader>
      <RequireSignIn><TokenEconomy /></RequireSignIn>
    </>
  );
}
