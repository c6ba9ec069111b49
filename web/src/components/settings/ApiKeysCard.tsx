"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";

function CreateKey({ onCreated }: { onCreated: (key: string) => void }) {
  const scopes = useQuery({ queryKey: ["scopes"], queryFn: async () => unwrap(await api.GET("/v1/auth/scopes")), staleTime: Infinity });
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const create = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/me/api-keys", { body: { name, scopes: chosen } })),
    onSuccess: (out) => { onCreated(out.key); setName(""); setChosen([]); },
  });
  return (
    <form className="space-y-3 text-sm" onSubmit={(e) => { e.preventDefault(); create.mutate(); }}>
      <div>
        <label htmlFor="key-name" className="block font-medium">Name</label>
        <input id="key-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100}
               className="mt-1 w-full max-w-sm rounded-md border border-border px-3 py-2" />
      </div>
      <fieldset>
        <legend className="font-medium">Scopes</legend>
        <QueryState query={scopes} rows={2}>
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

export function ApiKeysCard() {
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: ["api-keys"], queryFn: async () => unwrap(await api.GET("/v1/me/api-keys")) });
  const [fresh, setFresh] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["api-keys"] });
  const revoke = useMutation({
    mutationFn: async (id: string) => unwrap(await api.DELETE("/v1/me/api-keys/{key_id}", { params: { path: { key_id: id } } })),
    onSuccess: refresh,
  });
  return (
    <Card title="API keys" id="api-keys">
      <div className="space-y-4">
        {fresh ? (
          <div className="rounded-md border border-success bg-success-tint p-3 text-sm text-success-ink" role="status">
            <p className="font-semibold">Your new key, shown only this once:</p>
            <code className="break-all font-mono" data-testid="new-api-key">{fresh}</code>
          </div>
        ) : null}
        <p className="text-sm text-muted">Rotation with a grace period, usage per day and webhooks are on the{" "}
          <Link href="/developers" className="text-primary underline">Developers</Link> page.</p>
        <CreateKey onCreated={(key) => { setFresh(key); refresh(); }} />
        <QueryState query={keys} loadingLabel="Loading API keys" isEmpty={(d) => d.length === 0} empty="No API keys yet.">
          {(list) => (
            <ul className="divide-y divide-border text-sm">
              {list.map((k) => (
                <li key={k.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2" data-testid="api-key-row">
                  <span className="font-medium">{k.name}</span>
                  <span className="font-mono text-muted">{k.prefix}…</span>
                  <span className="text-muted">{k.scopes.join(", ")}</span>
                  {k.revoked_at ? <span className="ml-auto text-muted">revoked</span>
                    : <Button variant="danger" className="ml-auto" onClick={() => revoke.mutate(k.id)} disabled={revoke.isPending}>Revoke</Button>}
                </li>
              ))}
            </ul>
          )}
        </QueryState>
        {revoke.error ? <ErrorAlert error={revoke.error} title="Could not revoke" /> : null}
      </div>
    </Card>
  );
}
