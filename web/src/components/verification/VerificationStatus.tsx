import Link from "next/link";

import { StateBadge } from "@/components/ui/StatusBadge";
import type { Verification } from "@/hooks/useVerification";
import { formatDate } from "@/lib/market/format";

/** Where a verification stands: status in words, score, level, attestation and when a retry is allowed. */
export function VerificationStatus({ v }: { v: Verification }) {
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="verification-status">
      <dt className="text-muted">Skill</dt><dd>{v.skill} · level {v.level} · {v.method.replace("_", " ")} · attempt {v.attempt}</dd>
      <dt className="text-muted">Status</dt><dd data-testid="verification-state" data-status={v.status}><StateBadge state={v.status} /></dd>
      {v.score != null ? <><dt className="text-muted">Score</dt><dd data-testid="verification-score">{Math.round(v.score * 100)}%</dd></> : null}
      {v.attestation_uid ? (
        <><dt className="text-muted">Attestation</dt>
          <dd><Link href={`/attestations?uid=${v.attestation_uid}`} className="font-mono text-primary underline">{v.attestation_uid.slice(0, 14)}…</Link></dd></>
      ) : null}
      {v.retry_after ? <><dt className="text-muted">Retry after</dt><dd>{formatDate(v.retry_after)}</dd></> : null}
    </dl>
  );
}
