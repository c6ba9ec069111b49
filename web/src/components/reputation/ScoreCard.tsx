"use client";

import { useQuery } from "@tanstack/react-query";

import { PartBars } from "@/components/ui/BarChart";
import { Card } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { formatDate } from "@/lib/market/format";

const PART_LABELS: Record<string, string> = {
  completed_escrows: "Completed escrows",
  volume: "Volume released",
  on_time_releases: "On-time releases",
  disputes: "Disputes",
  rating: "Ratings",
  verified_skills: "Verified skills",
  account_age: "Account age",
};

type Part = { points?: unknown; count?: unknown; average?: unknown; days?: unknown };

/** A one-line reason for a part's points, from the inputs the API returns with it. */
function partNote(name: string, part: Part): string {
  if (name === "rating") return part.average == null ? "no rating yet" : `average ${String(part.average)} of ${String(part.count)}`;
  if (name === "account_age") return `${Math.floor(Number(part.days ?? 0))} days`;
  if (typeof part.count === "number") return `${part.count} counted`;
  return "";
}

export function ScoreCard({ address }: { address: string }) {
  const rep = useQuery({
    queryKey: ["reputation", address],
    queryFn: async () => unwrap(await api.GET("/v1/reputation/{address}", { params: { path: { address } } })),
  });
  return (
    <Card title="Reputation score" id="score">
      <QueryState query={rep} rows={4} loadingLabel="Loading the score">
        {(r) => {
          const parts = Object.entries(r.parts as Record<string, Part>);
          return (
            <div className="space-y-4">
              <p className="flex items-baseline gap-3">
                <span className="text-display font-bold tabular-nums" data-testid="reputation-score">{r.score.toFixed(2)}</span>
                <span className="text-sm text-muted">of 100 · formula {r.formula_version} · as of {formatDate(r.as_of)}</span>
              </p>
              <h3 className="font-semibold">Where the points come from</h3>
              <PartBars testId="score-part" data={parts.map(([name, part]) => {
                const points = Number(part.points ?? 0);
                const note = partNote(name, part);
                return { label: PART_LABELS[name] ?? name.replaceAll("_", " "), value: points,
                         display: `${points.toFixed(1)} pts`, note };
              })} />
              <p className="text-sm text-muted">Older activity counts less (decay). {r.attestations_counted.length} attestation(s) counted.</p>
            </div>
          );
        }}
      </QueryState>
    </Card>
  );
}

/** Verified skills as badges (skill and level), each backed by an attestation. */
export function SkillBadges({ address }: { address: string }) {
  const skills = useQuery({
    queryKey: ["reputation-skills", address],
    queryFn: async () => unwrap(await api.GET("/v1/reputation/{address}/skills", { params: { path: { address } } })),
  });
  return (
    <Card title="Badges" id="badges">
      <QueryState query={skills} rows={2} loadingLabel="Loading badges" isEmpty={(d) => d.length === 0}
                  empty="No verified skill yet: badges appear here when a verifier attests a skill.">
        {(list) => (
          <ul className="flex flex-wrap gap-2">
            {list.map((s) => (
              <li key={s.uid} data-testid="badge" className="rounded-full border border-primary bg-primary-tint px-3 py-1 text-sm text-primary-hover">
                <span aria-hidden="true">★ </span>{s.skill} · level {s.level}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}
