"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { SelectField } from "@/components/ui/Field";
import { ErrorAlert } from "@/components/ui/States";
import { useStartVerification, type Method, type Verification } from "@/hooks/useVerification";
import { api, unwrap } from "@/lib/api/client";
import { EVIDENCE_MAX_BYTES, EVIDENCE_TYPES, formatBytes, METHODS } from "@/lib/verification/methods";

const HUMAN_REVIEWED: Method[] = ["evidence", "github"];

/**
 * Pick one of my skills and a method, then start the attempt; `onStarted` gets it (and, for an evidence
 * upload, the chosen file: its type and size are the upload intent the API checks before any byte is sent).
 */
export function StartVerification({ onStarted }: { onStarted: (v: Verification, file: File | null) => void }) {
  const mine = useQuery({ queryKey: ["my-skills"], queryFn: async () => unwrap(await api.GET("/v1/me/profile/skills")) });
  const [skill, setSkill] = useState("");
  const [method, setMethod] = useState<Method>("quiz");
  const [level, setLevel] = useState(3);
  const [file, setFile] = useState<File | null>(null);
  const start = useStartVerification();
  const needsFile = method === "evidence";
  const ready = skill !== "" && (!needsFile || file !== null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!ready) return;
    const evidence = needsFile && file ? { content_type: file.type || "application/octet-stream", size: file.size } : undefined;
    start.mutate({ skill, method, level: HUMAN_REVIEWED.includes(method) ? level : undefined, evidence },
                 { onSuccess: (v) => onStarted(v, needsFile ? file : null) });
  };
  return (
    <form className="space-y-3" onSubmit={submit}>
      <SelectField id="verify-skill" label="Skill" value={skill} onChange={(e) => setSkill(e.target.value)}>
        <option value="">Choose one of your skills</option>
        {(mine.data ?? []).map((s) => <option key={s.skill.slug} value={s.skill.slug}>{s.skill.name} ({s.verified_status})</option>)}
      </SelectField>
      <fieldset className="space-y-1">
        <legend className="text-sm font-medium">Method</legend>
        {METHODS.map((m) => (
          <label key={m.value} className="flex items-start gap-2 text-sm">
            <input type="radio" name="verify-method" value={m.value} className="mt-1" checked={method === m.value}
                   onChange={() => setMethod(m.value)} />
            <span><span className="font-medium">{m.label}</span> <span className="text-muted">{m.hint}</span></span>
          </label>
        ))}
      </fieldset>
      {HUMAN_REVIEWED.includes(method) ? (
        <SelectField id="verify-level" label="Level to verify" value={level} onChange={(e) => setLevel(Number(e.target.value))}>
          {[1, 2, 3, 4, 5].map((n) => <option key={n} value={n}>{n}</option>)}
        </SelectField>
      ) : null}
      {needsFile ? (
        <div className="space-y-1">
          <label htmlFor="verify-file" className="block text-sm font-medium">Evidence file</label>
          <input id="verify-file" type="file" accept={Object.keys(EVIDENCE_TYPES).join(",")} aria-describedby="verify-file-limits"
                 className="block text-sm" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          <p id="verify-file-limits" className="text-xs text-muted" data-testid="evidence-limits">
            {Object.values(EVIDENCE_TYPES).join(", ")}; at most {formatBytes(EVIDENCE_MAX_BYTES)}.
            {file ? ` Chosen: ${file.name}, ${file.type || "unknown type"}, ${formatBytes(file.size)}.` : ""}
          </p>
        </div>
      ) : null}
      <Button type="submit" disabled={!ready || start.isPending}>{method === "quiz" ? "Start the quiz" : "Start the verification"}</Button>
      {start.error ? <ErrorAlert error={start.error} title="Could not start" /> : null}
    </form>
  );
}
