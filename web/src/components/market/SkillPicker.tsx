"use client";

import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "@/lib/api/client";

/** Skills of the taxonomy as checkboxes, grouped by category. */
export function SkillPicker({ value, onChange, legend = "Skills" }: { value: string[]; onChange: (next: string[]) => void; legend?: string }) {
  const skills = useQuery({ queryKey: ["skills"], queryFn: async () => unwrap(await api.GET("/v1/skills")), staleTime: Infinity });
  const groups = new Map<string, { slug: string; name: string }[]>();
  for (const s of skills.data ?? []) groups.set(s.category, [...(groups.get(s.category) ?? []), s]);
  const toggle = (slug: string) => onChange(value.includes(slug) ? value.filter((v) => v !== slug) : [...value, slug]);
  return (
    <fieldset>
      <legend className="mb-1 text-sm font-medium">{legend}</legend>
      <div className="max-h-48 space-y-2 overflow-y-auto rounded-md border border-border p-2">
        {[...groups.entries()].map(([category, items]) => (
          <div key={category}>
            <p className="text-xs font-semibold uppercase tracking-wide text-muted">{category}</p>
            <div className="flex flex-wrap gap-x-4 gap-y-1">
              {items.map((s) => (
                <label key={s.slug} className="inline-flex items-center gap-1 text-sm">
                  <input type="checkbox" checked={value.includes(s.slug)} onChange={() => toggle(s.slug)} value={s.slug} />
                  {s.name}
                </label>
              ))}
            </div>
          </div>
        ))}
        {skills.isPending ? <p className="text-sm text-muted">Loading skills…</p> : null}
      </div>
    </fieldset>
  );
}
