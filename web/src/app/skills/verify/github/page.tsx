"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useEffect, useRef } from "react";

import { Card, PageHeader } from "@/components/ui/Card";
import { SkeletonRows } from "@/components/ui/Skeleton";
import { ErrorAlert } from "@/components/ui/States";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { useSubmitVerification } from "@/hooks/useVerification";
import { githubStateKey } from "@/lib/verification/methods";

/** Where GitHub sends the user back (GITHUB_VERIFICATION_REDIRECT_URI): the code and state go to the API. */
function Callback() {
  const router = useRouter();
  const params = useSearchParams();
  const code = params.get("code");
  const state = params.get("state");
  const denied = params.get("error");
  const vid = state && typeof window !== "undefined" ? sessionStorage.getItem(githubStateKey(state)) : null;
  const submit = useSubmitVerification(vid ?? "");
  const sent = useRef(false);
  useEffect(() => {
    // Once: a code works once, and React may run effects twice in development.
    if (sent.current || !vid || !code || !state || denied) return;
    sent.current = true;
    submit.mutate({ oauth_code: code, oauth_state: state }, {
      onSuccess: () => { sessionStorage.removeItem(githubStateKey(state)); router.replace(`/skills/verify?id=${vid}`); },
    });
  }, [vid, code, state, denied, submit, router]);
  const back = vid ? `/skills/verify?id=${vid}` : "/skills/verify";
  if (denied) return <p className="text-sm">GitHub access was not granted. <Link href={back} className="text-primary underline">Back to the attempt</Link></p>;
  if (!vid || !code || !state) {
    return <p className="text-sm">This link does not belong to a GitHub proof started in this tab. <Link href="/skills/verify" className="text-primary underline">Start one</Link></p>;
  }
  return submit.error ? (
    <div className="space-y-2"><ErrorAlert error={submit.error} title="GitHub proof not accepted" />
      <Link href={back} className="text-sm text-primary underline">Back to the attempt</Link></div>
  ) : <p className="text-sm" role="status">Reading your GitHub profile…</p>;
}

export default function GithubCallbackPage() {
  return (
    <RequireSignIn>
      <PageHeader title="GitHub proof" />
      <Card title="Back from GitHub"><Suspense fallback={<SkeletonRows rows={2} />}><Callback /></Suspense></Card>
    </RequireSignIn>
  );
}
