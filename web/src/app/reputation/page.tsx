"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { getAddress, isAddress } from "viem";

import { AttestationList } from "@/components/reputation/AttestationList";
import { ScoreCard, SkillBadges } from "@/components/reputation/ScoreCard";
import { Button } from "@/components/ui/Button";
import { PageHeader } from "@/components/ui/Card";
import { TextField } from "@/components/ui/Field";
import { SkeletonRows } from "@/components/ui/Skeleton";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { useSession } from "@/hooks/useSession";

function Reputation() {
  const session = useSession();
  const router = useRouter();
  const asked = useSearchParams().get("address");
  // Another wallet's page when ?address= is a valid address; otherwise the signed-in wallet's.
  const address = asked && isAddress(asked) ? getAddress(asked) : session?.address ?? "";
  const [other, setOther] = useState("");
  const bad = other !== "" && !isAddress(other);
  return (
    <div className="grid gap-gutter">
      <form className="flex flex-wrap items-end gap-3" aria-label="Look up a wallet"
            onSubmit={(e) => { e.preventDefault(); if (!bad && other) router.push(`/reputation?address=${getAddress(other)}`); }}>
        <div className="w-full max-w-md">
          <TextField id="rep-address" label="Wallet address" value={other} onChange={(e) => setOther(e.target.value.trim())}
                     placeholder={address} aria-invalid={bad} hint={bad ? "Not an Ethereum address." : "Leave empty for your own wallet."} />
        </div>
        <Button type="submit" disabled={bad || other === ""}>Look up</Button>
      </form>
      <p className="text-sm text-muted">Showing <span className="font-mono" data-testid="reputation-address">{address}</span>{address === session?.address ? " (you)" : ""}</p>
      {address ? (
        <>
          <ScoreCard address={address} />
          <SkillBadges address={address} />
          <AttestationList address={address} />
        </>
      ) : null}
    </div>
  );
}

export default function ReputationPage() {
  return (
    <>
      <PageHeader title="Reputation">A score computed from the chain index and attestations, with each part shown, and the attestations behind it.</PageHeader>
      <RequireSignIn>
        <Suspense fallback={<SkeletonRows rows={4} />}><Reputation /></Suspense>
      </RequireSignIn>
    </>
  );
}
