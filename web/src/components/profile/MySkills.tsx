"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { SelectField } from "@/components/ui/Field";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";

/** My skills with level; add or remove one. */
export function MySkills() {
  const queryClient = useQueryClient();
  const mine = useQuery({ queryKey: ["my-skills"], queryFn: async () => unwrap(await api.GET("/v1/me/profile/skills")) });
  const taxonomy = useQuery({ queryKey: ["skills"], queryFn: async () => unwrap(await api.GET("/v1/skills")), staleTime: Infinity });
  const [slug, setSlug] = useState("");
  const [level, setLevel] = useState(3);
  const done = () => void queryClient.invalidateQueries({ queryKey: ["my-skills"] });
  const put = useMutation({
    mutationFn: async () => unwrap(await api.PUT("/v1/me/profile/skills/{slug}", { params: { path: { slug } }, body: { level, years: 0 } })),
    onSuccess: done,
  });
  const remove = useMutation({
    mutationFn: async (s: string) => unwrap(await api.DELETE("/v1/me/profile/skills/{slug}", { params: { path: { slug: s } } })),
    onSuccess: done,
  });
  return (
    <div className="space-y-3">
      <QueryState query={mine} isEmpty={(d) => d.length === 0} empty="No skill yet." loadingLabel="Loading skills">
        {(list) => (
          <ul className="divide-y divide-border text-sm">
            {list.map((s) => (
              <li key={s.skill.slug} className="flex items-center gap-2 py-2">
                <span className="font-medium">{s.skill.name}</span><span className="text-muted">level {s.level}/5 · {s.verified_status}</span>
                <Button variant="secondary" className="ml-auto" aria-label={`Remove ${s.skill.name}`} onClick={() => remove.mutate(s.skill.slug)}>Remove</Button>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <div className="grid items-end gap-2 sm:grid-cols-[1fr_8rem_auto]">
        <SelectField id="add-skill" label="Add a skill" value={slug} onChange={(e) => setSlug(e.target.value)}>
          <option value="">Choose…</option>
          {(taxonomy.data ?? []).map((s) => <option key={s.slug} value={s.slug}>{s.name}</option>)}
        </SelectField>
        <SelectField id="add-skill-level" label="Level" value={level} onChange={(e) => setLevel(Number(e.target.value))}>
          {[1, 2, 3, 4, 5].map((n) => <option key={n} value={n}>{n}</option>)}
        </SelectField>
        <Button disabled={!slug || put.isPending} onClick={() => put.mutate()}>Add</Button>
      </div>
      {put.error || remove.error ? <ErrorAlert error={put.error ?? remove.error} title="Not saved" /> : null}
    </div>
  );
}
