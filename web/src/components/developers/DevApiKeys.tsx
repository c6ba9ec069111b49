"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { TextField } from "@/components/ui/Field";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { formatDate } from "@/lib/market/format";
import { KeyUsage } from "./KeyUsage";

type Secret = { key: string; note: string };

// Grace periods offered when rotating: the old key keeps working so deployed clients can be updated.
const GRACE = [
  { seconds: 0, label: "none (old key stops now)" },
  { seconds: 3_600, label: "1 hour" },
  { seconds: 86_400, label: "1 day" },
  { seconds: 7 * 86_400, label: "7 days" },
];

function CreateKey({ idPrefix, onCreated }: { idPrefix: string; onCreated: (s: Secret) => void }) {
  const scopes = useQuery({ queryKey: ["scopes"], queryFn: async () => unwrap(await api.GET("/v1/auth/scopes")), staleTime: Infinity });
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const create = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/integrations/api-keys", { body: { name, scopes: chosen } })),
    onSuccess: (out) => { onCreated({ key: out.key, note: `New key “${out.name}”` }); setName(""); setChosen([]); },
  });
  return (
    <form className="space-y-3 text-sm" onSubmit={(e) => { e.preventDefault(); create.mutate(); }} aria-label="Create an API key">
      <div className="max-w-sm"><TextField id={`${idPrefix}-name`} label="Key name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} /></div>
      <fieldset>
        <legend className="font-medium">Scopes</legend>
        <QueryState query={scopes} rows={2} loadingLabel="Loading scopes">
          {(list) => (
            <div className="mt-1 grid gap-1 sm:grid-cols-2">
              {list.map((scope) => (
                <label key={scope.name} className="flex items-start gap-2">
                  <input type="checkbox" checked={chosen.includes(scope.name)} className="mt-1"
                         onChange={(e) => setChosen(e.target.checked ? [...chosen, scope.name] : chosen.filter((s) => s !== scope.name))} />
                  <span><span className="font-mono">{scope.name}</span> <span className="text-muted">{scope.description}</span></span>
                </label>
              ))}
            </div>
          )}
        </QueryState>
      </fieldset>
      <Button type="submit" disabled={create.isPending || name.trim() === "" || chosen.length === 0}>Create key</Button>
      {create.error ? <ErrorAlert error={create.error} title="Could not create the key" /> : null}
    </form>
  );
}

/**
 * My API keys: create (scoped), list, usage chart, rotate with a grace period, revoke. One component for
 * /developers and the API keys card of /settings/security (`id` and `intro` differ).
 */
export function DevApiKeys({ id = "dev-keys", intro }: { id?: string; intro?: ReactNode }) {
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: ["dev-api-keys"], queryFn: async () => unwrap(await api.GET("/v1/integrations/api-keys")) });
  const [secret, setSecret] = useState<Secret | null>(null);
  const [grace, setGrace] = useState(86_400);
  const [shown, setShown] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["dev-api-keys"] });
  const rotate = useMutation({
    mutationFn: async (id: string) => unwrap(await api.POST("/v1/integrations/api-keys/{key_id}/rotate",
                                                           { params: { path: { key_id: id } }, body: { grace_seconds: grace } })),
    onSuccess: (out) => { setSecret({ key: out.key, note: `Rotated “${out.name}”; the old key works until ${formatDate(out.old_key_expires_at)}` }); refresh(); },
  });
  const revoke = useMutation({
    mutationFn: async (id: string) => unwrap(await api.DELETE("/v1/integrations/api-keys/{key_id}", { params: { path: { key_id: id } } })),
    onSuccess: refresh,
  });
  return (
    <Card title="API keys" id={id}>
      <div className="space-y-4">
        {intro}
        {secret ? (
          <div className="rounded-md border border-success bg-success-tint p-3 text-sm text-success-ink" role="status">
            <p className="font-semibold">{secret.note}. The key, shown only this once:</p>
            <code className="break-all font-mono" data-testid="dev-new-key">{secret.key}</code>
          </div>
        ) : null}
        <CreateKey idPrefix={id} onCreated={(s) => { setSecret(s); refresh(); }} />
        <div className="max-w-xs text-sm">
          <label htmlFor={`${id}-grace`} className="block font-medium">Grace period when rotating</label>
          <select id={`${id}-grace`} value={grace} onChange={(e) => setGrace(Number(e.target.value))}
                  className="mt-1 w-full rounded-md border border-border bg-surface px-2 py-1">
            {GRACE.map((g) => <option key={g.seconds} value={g.seconds}>{g.label}</option>)}
          </select>
        </div>
        <QueryState query={keys} loadingLabel="Loading API keys" isEmpty={(d) => d.length === 0} empty="No API keys yet.">
          {(list) => (
            <ul className="divide-y divide-border text-sm">
              {list.map((k) => (
                <li key={k.id} className="space-y-2 py-2" data-testid="dev-key-row">
                  <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
                    <span className="font-medium">{k.name}</span>
                    <span className="font-mono text-muted">{k.prefix}…</span>
                    <span className="text-muted">{k.scopes.join(", ")}</span>
                    <span className="text-muted">last used {formatDate(k.last_used_at)}</span>
                    {k.expires_at ? <span className="text-muted">expires {formatDate(k.expires_at)}</span> : null}
                    <span className="ml-auto flex gap-2">
                      <Button variant="secondary" aria-expanded={shown === k.id} onClick={() => setShown(shown === k.id ? null : k.id)}>
                        Usage<span className="sr-only"> of {k.name}</span>
                      </Button>
                      {k.revoked_at ? <span className="self-center text-muted">revoked</span> : (
                        <>
                          <Button variant="secondary" onClick={() => rotate.mutate(k.id)} disabled={rotate.isPending}>Rotate<span className="sr-only"> {k.name}</span></Button>
                          <Button variant="danger" onClick={() => revoke.mutate(k.id)} disabled={revoke.isPending}>Revoke<span className="sr-only"> {k.name}</span></Button>
                        </>
                      )}
                    </span>
                  </div>
                  {shown === k.id ? <KeyUsage keyId={k.id} name={k.name} /> : null}
                </li>
              ))}
            </ul>
          )}
        </QueryState>
        {rotate.error ?? revoke.error ? <ErrorAlert error={rotate.error ?? revoke.error} title="That did not work" /> : null}
      </div>
    </Card>
  );
}
