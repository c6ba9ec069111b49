import Link from "next/link";

import type { Verification } from "@/hooks/useVerification";
import { formatDate } from "@/lib/market/format";
import { ChallengeResult } from "./ChallengeResult";

// What each status means to the candidate, in words (the colour is never the only signal).
const WORDS: Record<Verification["status"], { label: string; tone: string; icon: string }> = {
  started: { label: "open", tone: "border-border bg-canvas text-fg", icon: "○" },
  grading: { label: "grading in the sandbox", tone: "border-dashed border-warning bg-warning-tint text-warning-ink", icon: "◷" },
  in_review: { label: "pending review", tone: "border-dashed border-warning bg-warning-tint text-warning-ink", icon: "◷" },
  passed: { label: "passed", tone: "border-success bg-success-tint text-success-ink", icon: "✓" },
  failed: { label: "failed", tone: "border-danger bg-danger-tint text-danger-ink", icon: "✕" },
  expired: { label: "expired", tone: "border-danger bg-danger-tint text-danger-ink", icon: "✕" },
};

export function VerificationBadge({ status }: { status: Verification["status"] }) {
  const w = WORDS[status];
  return (
    <span className={`inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-medium ${w.tone}`}>
      <span aria-hidden="true">{w.icon}</span> {w.label}
    </span>
  );
}

/** Where a verification stands: status in words, score, level, sandbox result, reviewer's note,
 * attestation, and the cooldown before another attempt after a failure. */
export function VerificationStatus({ v }: { v: Verification }) {
  const cooling = v.retry_after != null && new Date(v.retry_after).getTime() > Date.now();
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="verification-status">
      <dt className="text-muted">Skill</dt><dd>{v.skill} · level {v.level} · {v.method.replace("_", " ")} · attempt {v.attempt}</dd>
      <dt className="text-muted">Status</dt><dd data-testid="verification-state" data-status={v.status}><VerificationBadge status={v.status} /></dd>
      {v.score != null ? <><dt className="text-muted">Score</dt><dd data-testid="verification-score">{Math.round(v.score * 100)}%</dd></> : null}
      {v.result ? <><dt className="text-muted">Result</dt><dd><ChallengeResult verification={v} /></dd></> : null}
      {v.submitted_at ? <><dt className="text-muted">Submitted</dt><dd>{formatDate(v.submitted_at)}</dd></> : null}
      {v.status === "in_review" ? <><dt className="text-muted">Next</dt><dd>A verifier reviews it; this page updates when they decide.</dd></> : null}
      {v.review_note ? <><dt className="text-muted">Reviewer</dt><dd>{v.review_note}</dd></> : null}
      {v.attestation_uid ? (
        <><dt className="text-muted">Attestation</dt>
          <dd><Link href={`/attestations?uid=${v.attestation_uid}`} className="font-mono text-primary underline">{v.attestation_uid.slice(0, 14)}…</Link></dd></>
      ) : null}
      {v.retry_after ? (
        <><dt className="text-muted">{cooling ? "Cooldown" : "Retry after"}</dt>
          <dd data-testid="verification-cooldown">{cooling ? `another attempt from ${formatDate(v.retry_after)}` : formatDate(v.retry_after)}</dd></>
      ) : null}
    </dl>
  );
}
