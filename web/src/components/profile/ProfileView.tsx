import { Card } from "@/components/ui/Card";
import type { components } from "@/lib/api/schema";

type Profile = components["schemas"]["ProfileOut"];
type Skill = components["schemas"]["UserSkillOut"];

export function ProfileView({ profile, skills }: { profile: Profile; skills: Skill[] }) {
  return (
    <div className="grid gap-gutter xl:grid-cols-2">
      <Card title="About">
        <p className="whitespace-pre-line text-sm">{profile.bio || "No bio yet."}</p>
        <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className="text-muted">Roles</dt><dd>{profile.roles.join(", ") || "—"}</dd>
          <dt className="text-muted">Availability</dt><dd>{profile.availability}</dd>
          <dt className="text-muted">Time zone</dt><dd>{profile.time_zone}</dd>
        </dl>
        {profile.links.length ? (
          <ul className="mt-3 text-sm">{profile.links.map((l) => <li key={l}><a href={l} className="text-primary underline" rel="nofollow noopener">{l}</a></li>)}</ul>
        ) : null}
      </Card>
      <Card title="Skills">
        {skills.length === 0 ? <p className="text-sm text-muted">No skill listed.</p> : (
          <ul className="divide-y divide-border text-sm">
            {skills.map((s) => (
              <li key={s.skill.slug} className="flex flex-wrap items-center gap-2 py-2" data-testid="skill-row">
                <span className="font-medium">{s.skill.name}</span>
                <span className="text-muted">level {s.level}/5 · {s.years} yr</span>
                <span className="ml-auto rounded-full border border-border px-2 py-0.5 text-xs">{s.verified_status.replaceAll("_", " ")}</span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
