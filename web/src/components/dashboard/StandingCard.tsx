import Link from "next/link";

import { Card } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/States";
import type { FreelancerDashboard } from "@/hooks/useDashboard";

/** Reputation, skill verification status and unread messages: the freelancer's standing at a glance. */
export function StandingCard({ data }: { data: FreelancerDashboard }) {
  return (
    <Card title="Standing" id="standing">
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-muted">Reputation</dt>
        <dd data-testid="dash-reputation">
          {data.reputation_score == null ? "—" : data.reputation_score.toFixed(1)} <Link href="/reputation" className="text-primary underline">details</Link>
        </dd>
        <dt className="text-muted">Unread messages</dt>
        <dd data-testid="dash-unread"><Link href="/messages" className="text-primary underline">{data.unread_messages}</Link></dd>
      </dl>
      <h3 className="mb-1 mt-3 text-sm font-semibold">Skills <Link href="/skills/verify" className="ml-2 font-normal text-primary underline">Verify a skill</Link></h3>
      {data.skills.length === 0 ? <EmptyState>Add skills on your <Link href="/profile" className="text-primary underline">profile</Link>.</EmptyState> : (
        <ul className="flex flex-wrap gap-2 text-xs">
          {data.skills.map((s) => (
            <li key={s.slug} data-testid="dash-skill" data-verified={s.verified}
                className={`rounded-full border px-2 py-0.5 ${s.verified ? "border-success bg-success-tint text-success-ink" : "border-dashed border-border"}`}>
              {s.slug} · level {s.level} · {s.verified ? `verified (level ${s.verified_level ?? s.level})` : "not verified"}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
