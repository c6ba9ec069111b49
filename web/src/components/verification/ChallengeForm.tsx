"use client";

import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { TextArea, TextField } from "@/components/ui/Field";
import { ErrorAlert } from "@/components/ui/States";
import { useSubmitVerification, type Verification } from "@/hooks/useVerification";

type Challenge = { id?: string; language?: string; function?: string; prompt?: string; example?: { args?: unknown[]; expected?: unknown } };

/** The task as the API shows it (the hidden cases stay on the server). */
export function ChallengeTask({ challenge }: { challenge: Challenge }) {
  const call = `${challenge.function ?? "solution"}(${(challenge.example?.args ?? []).map((a) => JSON.stringify(a)).join(", ")})`;
  return (
    <div className="space-y-2 text-sm" data-testid="challenge-task">
      <p>{challenge.prompt}</p>
      <p className="text-muted">Language: {challenge.language} · function <code className="font-mono">{challenge.function}</code></p>
      {challenge.example ? (
        <p>Example: <code className="break-all font-mono">{call}</code> returns{" "}
          <code className="break-all font-mono">{JSON.stringify(challenge.example.expected)}</code></p>
      ) : null}
    </div>
  );
}

/**
 * An open code challenge: the solution in an editor (graded by the hidden cases in the sandbox, in the
 * background) or, instead, a repository link a reviewer reads.
 */
export function ChallengeForm({ verification }: { verification: Verification }) {
  const challenge = (verification.challenge ?? {}) as Challenge;
  const [code, setCode] = useState(`def ${challenge.function ?? "solution"}(*args):\n    ...\n`);
  const [repository, setRepository] = useState("");
  const submit = useSubmitVerification(verification.id);
  const sendCode = (event: FormEvent) => {
    event.preventDefault();
    submit.mutate({ code });
  };
  const sendRepository = (event: FormEvent) => {
    event.preventDefault();
    submit.mutate({ repository_url: repository.trim() });
  };
  return (
    <div className="space-y-4">
      <ChallengeTask challenge={challenge} />
      <form className="space-y-2" onSubmit={sendCode}>
        <TextArea id="challenge-code" label={`Your solution (${challenge.language ?? "python"})`} value={code} rows={12}
                  spellCheck={false} onChange={(e) => setCode(e.target.value)} maxLength={20_000} style={{ fontFamily: "var(--font-mono, monospace)" }}
                  hint="Runs in a sandbox with CPU, memory and time limits, without network." />
        <Button type="submit" disabled={submit.isPending || code.trim() === ""}>Submit the code</Button>
      </form>
      <form className="space-y-2 border-t border-border pt-3" onSubmit={sendRepository}>
        <TextField id="challenge-repo" type="url" label="Or a repository for a reviewer" placeholder="https://github.com/you/project"
                   value={repository} onChange={(e) => setRepository(e.target.value)} maxLength={300} />
        <Button type="submit" variant="secondary" disabled={submit.isPending || repository.trim() === ""}>Send the repository</Button>
      </form>
      {submit.error ? <ErrorAlert error={submit.error} title="Could not submit" /> : null}
    </div>
  );
}
