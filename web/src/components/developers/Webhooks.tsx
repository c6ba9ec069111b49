"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { SelectField, TextField } from "@/components/ui/Field";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";
import { Endpoint } from "./Endpoint";

type Integration = components["schemas"]["IntegrationOut"];
type Provider = components["schemas"]["IntegrationIn"]["provider"];
type OnSecret = (secret: string, note: string) => void;

function AddEndpoint({ integration, onSecret }: { integration: Integration; onSecret: OnSecret }) {
  const queryClient = useQueryClient();
  const types = useQuery({ queryKey: ["event-types"], queryFn: async () => unwrap(await api.GET("/v1/integrations/event-types")), staleTime: Infinity });
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>([]);
  const [description, setDescription] = useState("");
  const add = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/integrations/{integration_id}/webhooks",
                                                  { params: { path: { integration_id: integration.id } }, body: { url, events, description } })),
    onSuccess: (out) => {
      onSecret(out.secret, `Signing secret of ${out.url}`);
      setUrl(""); setEvents([]); setDescription("");
      void queryClient.invalidateQueries({ queryKey: ["webhooks", integration.id] });
    },
  });
  const id = `endpoint-url-${integration.id}`;
  return (
    <form className="space-y-2 text-sm" onSubmit={(e) => { e.preventDefault(); add.mutate(); }} aria-label={`Add an endpoint to ${integration.name}`}>
      <TextField id={id} label="Endpoint URL" type="url" value={url} onChange={(e) => setUrl(e.target.value)} required placeholder="https://example.com/hooks/lancer" />
      <TextField id={`${id}-description`} label="Description (optional)" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={200} />
      <fieldset>
        <legend className="font-medium">Events</legend>
        <QueryState query={types} rows={2} loadingLabel="Loading event types">
          {(list) => (
            <div className="mt-1 grid gap-1 sm:grid-cols-2">
              {[{ name: "*", description: "every event" }, ...list].map((t) => (
                <label key={t.name} className="flex items-start gap-2">
                  <input type="checkbox" className="mt-1" checked={events.includes(t.name)}
                         onChange={(e) => setEvents(e.target.checked ? [...events, t.name] : events.filter((n) => n !== t.name))} />
                  <span><span className="font-mono">{t.name}</span> <span className="text-muted">{t.description}</span></span>
                </label>
              ))}
            </div>
          )}
        </QueryState>
      </fieldset>
      <Button type="submit" disabled={add.isPending || url === "" || events.length === 0}>Add endpoint</Button>
      {add.error ? <ErrorAlert error={add.error} title="Could not add the endpoint" /> : null}
    </form>
  );
}

function IntegrationBlock({ integration, onSecret }: { integration: Integration; onSecret: OnSecret }) {
  const hooks = useQuery({
    queryKey: ["webhooks", integration.id],
    queryFn: async () => unwrap(await api.GET("/v1/integrations/{integration_id}/webhooks", { params: { path: { integration_id: integration.id } } })),
  });
  return (
    <section aria-labelledby={`integration-${integration.id}`} className="space-y-3 rounded-md border border-border p-3" data-testid="integration">
      <h3 id={`integration-${integration.id}`} className="font-semibold">
        {integration.name} <span className="font-normal text-muted">({integration.provider}, {integration.status})</span>
      </h3>
      <QueryState query={hooks} rows={2} loadingLabel="Loading endpoints" isEmpty={(d) => d.length === 0} empty="No endpoint yet.">
        {(list) => <ul className="divide-y divide-border">{list.map((h) => <Endpoint key={h.id} hook={h} onSecret={onSecret} />)}</ul>}
      </QueryState>
      <AddEndpoint integration={integration} onSecret={onSecret} />
    </section>
  );
}

export function Webhooks() {
  const queryClient = useQueryClient();
  const integrations = useQuery({ queryKey: ["integrations"], queryFn: async () => unwrap(await api.GET("/v1/integrations")) });
  const [name, setName] = useState("");
  const [provider, setProvider] = useState<Provider>("webhook");
  const [secret, setSecret] = useState<{ secret: string; note: string } | null>(null);
  const create = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/integrations", { body: { name, provider } })),
    onSuccess: () => { setName(""); void queryClient.invalidateQueries({ queryKey: ["integrations"] }); },
  });
  const onSecret: OnSecret = (value, note) => setSecret({ secret: value, note });
  return (
    <Card title="Webhooks" id="webhooks">
      <div className="space-y-4">
        <p className="text-sm text-muted">Signed messages (Standard Webhooks) sent to your endpoints when things happen on Lancer, with a log of every delivery.</p>
        {secret ? (
          <div className="rounded-md border border-success bg-success-tint p-3 text-sm text-success-ink" role="status">
            <p className="font-semibold">{secret.note}, shown only this once:</p>
            <code className="break-all font-mono" data-testid="webhook-secret">{secret.secret}</code>
          </div>
        ) : null}
        <form className="flex flex-wrap items-end gap-3 text-sm" onSubmit={(e) => { e.preventDefault(); create.mutate(); }} aria-label="Create an integration">
          <div className="w-64"><TextField id="integration-name" label="Integration name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} /></div>
          <div className="w-48">
            <SelectField id="integration-provider" label="Kind" value={provider} onChange={(e) => setProvider(e.target.value as Provider)}>
              <option value="webhook">webhook</option><option value="slack">Slack</option><option value="discord">Discord</option>
            </SelectField>
          </div>
          <Button type="submit" disabled={create.isPending || name.trim() === ""}>Create integration</Button>
        </form>
        {create.error ? <ErrorAlert error={create.error} title="Could not create the integration" /> : null}
        <QueryState query={integrations} rows={3} loadingLabel="Loading integrations" isEmpty={(d) => d.length === 0} empty="No integration yet.">
          {(list) => <div className="space-y-3">{list.map((i) => <IntegrationBlock key={i.id} integration={i} onSecret={onSecret} />)}</div>}
        </QueryState>
      </div>
    </Card>
  );
}
