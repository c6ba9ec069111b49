"use client";

import { Button } from "@/components/ui/Button";
import type { Verification } from "@/hooks/useVerification";
import { githubStateKey } from "@/lib/verification/methods";

/**
 * An open GitHub proof: GitHub asks the user to grant read access, then redirects to
 * /skills/verify/github with a code and the state. The state names this attempt on the way back
 * (sessionStorage: the same tab, never sent anywhere).
 */
export function GithubProof({ verification }: { verification: Verification }) {
  const url = verification.authorize_url;
  if (!url) return null;
  const go = () => {
    const state = new URL(url).searchParams.get("state");
    if (state) sessionStorage.setItem(githubStateKey(state), verification.id);
    window.location.assign(url);
  };
  return (
    <div className="space-y-2 text-sm">
      <p>GitHub will ask you to let Lancer read your public profile and repositories once; nothing is kept but a summary for the reviewer.</p>
      <Button onClick={go}>Continue on GitHub</Button>
    </div>
  );
}
