"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";

import { Card, PageHeader } from "@/components/ui/Card";
import { SkeletonRows } from "@/components/ui/Skeleton";
import { QueryState } from "@/components/ui/States";
import { ChallengeForm, ChallengeTask } from "@/components/verification/ChallengeForm";
import { EvidenceUpload } from "@/components/verification/EvidenceUpload";
import { GithubProof } from "@/components/verification/GithubProof";
import { QuizForm } from "@/components/verification/QuizForm";
import { StartVerification } from "@/components/verification/StartVerification";
import { VerificationStatus } from "@/components/verification/VerificationStatus";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { useVerification, type Verification } from "@/hooks/useVerification";

/** The step an open attempt waits for, by method. */
function OpenStep({ v, file }: { v: Verification; file: File | null }) {
  if (v.status !== "started") return v.method === "code_challenge" && v.challenge ? <ChallengeTask challenge={v.challenge} /> : null;
  switch (v.method) {
    case "quiz": return v.questions ? <QuizForm key={v.id} verification={v} /> : null;
    case "code_challenge": return <ChallengeForm key={v.id} verification={v} />;
    case "evidence": return <EvidenceUpload key={v.id} verification={v} initialFile={file} />;
    case "github": return <GithubProof verification={v} />;
  }
}

function Verify() {
  const router = useRouter();
  // The attempt's id lives in the URL: a reload (or a later visit) shows its status.
  const id = useSearchParams().get("id");
  const verification = useVerification(id);
  // The evidence file chosen when starting (a File cannot go through the URL; after a reload it is chosen again).
  const [file, setFile] = useState<File | null>(null);
  return (
    <div className="grid gap-gutter xl:grid-cols-2">
      <Card title="Start a verification" id="start">
        <StartVerification onStarted={(v, f) => { setFile(f); router.replace(`/skills/verify?id=${v.id}`); }} />
      </Card>
      {id ? (
        <Card title="Your attempt" id="attempt">
          <QueryState query={verification} loadingLabel="Loading the attempt">
            {(v) => (
              <div className="space-y-4">
                <VerificationStatus v={v} />
                <OpenStep v={v} file={file} />
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
      <PageHeader title="Skill verification">
        Prove a skill by quiz, code challenge, evidence upload or your GitHub profile; a pass issues a verified-skill attestation.
      </PageHeader>
      <Suspense fallback={<SkeletonRows rows={4} />}><Verify /></Suspense>
    </RequireSignIn>
  );
}
