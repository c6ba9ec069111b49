"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { Suspense } from "react";

import { Card, PageHeader } from "@/components/ui/Card";
import { SkeletonRows } from "@/components/ui/Skeleton";
import { QueryState } from "@/components/ui/States";
import { QuizForm } from "@/components/verification/QuizForm";
import { StartQuiz } from "@/components/verification/StartQuiz";
import { VerificationStatus } from "@/components/verification/VerificationStatus";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { useVerification } from "@/hooks/useVerification";

function Verify() {
  const router = useRouter();
  // The attempt's id lives in the URL: a reload (or a later visit) shows its status.
  const id = useSearchParams().get("id");
  const verification = useVerification(id);
  return (
    <div className="grid gap-gutter xl:grid-cols-2">
      <Card title="Start a quiz" id="start"><StartQuiz onStarted={(vid) => router.replace(`/skills/verify?id=${vid}`)} /></Card>
      {id ? (
        <Card title="Your attempt" id="attempt">
          <QueryState query={verification} loadingLabel="Loading the attempt">
            {(v) => (
              <div className="space-y-4">
                <VerificationStatus v={v} />
                {v.status === "started" && v.questions ? <QuizForm key={v.id} verification={v} /> : null}
              </div>
            )}
          </QueryState>
        </Card>
      ) : null}
    </div>
  );
}

export default function VerifyPage() {
  return (
    <RequireSignIn>
      <PageHeader title="Skill verification">Prove a skill with a short quiz; a pass issues a verified-skill attestation.</PageHeader>
      <Suspense fallback={<SkeletonRows rows={4} />}><Verify /></Suspense>
    </RequireSignIn>
  );
}
