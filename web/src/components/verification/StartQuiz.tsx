"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { SelectField } from "@/components/ui/Field";
import { ErrorAlert } from "@/components/ui/States";
import { useStartQuiz } from "@/hooks/useVerification";
import { api, unwrap } from "@/lib/api/client";

/** Pick one of my skills and start its quiz; `onStarted` gets the new verification's id. */
export function StartQuiz({ onStarted }: { onStarted: (id: string) => void }) {
  const mine = useQuery({ queryKey: ["my-skills"], queryFn: async () => unwrap(await api.GET("/v1/me/profile/skills")) });
  const [skill, setSkill] = useState("");
  const start = useStartQuiz();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (skill) start.mutate(skill, { onSuccess: (v) => onStarted(v.id) });
  };
  return (
    <form className="space-y-3" onSubmit={submit}>
      <SelectField id="verify-skill" label="Skill" value={skill} onChange={(e) => setSkill(e.target.value)}>
        <option value="">Choose one of your skills</option>
        {(mine.data ?? []).map((s) => <option key={s.skill.slug} value={s.skill.slug}>{s.skill.name} ({s.verified_status})</option>)}
      </SelectField>
      <Button type="submit" disabled={!skill || start.isPending}>Start the quiz</Button>
      {start.error ? <ErrorAlert error={start.error} title="Could not start" /> : null}
    </form>
  );
}
