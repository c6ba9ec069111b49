"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorAlert } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";
import { Deliveries } from "./Deliveries";

type Webhook = components["schemas"]["WebhookOut"];

/** One webhook endpoint: status, test message, secret rotation, enable/disable, delete, delivery log. */
export function Endpoint({ hook, onSecret }: { hook: Webhook; onSecret: (secret: string, note: string) => void }) {
  const queryClient = useQueryClient();
  const [logOpen, setLogOpen] = useState(false);
  const path = { params: { path: { webhook_id: hook.id } } };
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ["webhooks", hook.integration_id] });
    void queryClient.invalidateQueries({ queryKey: ["deliveries", hook.id] });
  };
  const test = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/integrations/webhooks/{webhook_id}/test", path)),
    onSuccess: () => { setLogOpen(true); refresh(); },
  });
  const rotate = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/integrations/webhooks/{webhook_id}/rotate-secret", path)),
    onSuccess: (out) => { onSecret(out.secret, `New signing secret of ${out.url}`); refresh(); },
  });
  const toggle = useMutation({
    mutationFn: async () => unwrap(await api.PATCH("/v1/integrations/webhooks/{webhook_id}",
                                                   { ...path, body: { status: hook.status === "active" ? "disabled" : "active" } })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE("/v1/integrations/webhooks/{webhook_id}", path)),
    onSuccess: refresh,
  });
  const error = test.error ?? rotate.error ?? toggle.error ?? remove.error;
  return (
    <li className="space-y-2 py-3" data-testid="webhook-row">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
        <span className="break-all font-mono">{hook.url}</span>
        <span className="rounded-full border border-border px-2 py-0.5 text-xs">{hook.status}</span>
        <span className="text-muted">events: {hook.events.join(", ")}</span>
        {hook.consecutive_failures > 0 ? <span className="text-danger-ink">{hook.consecutive_failures} failure(s) in a row</span> : null}
        {hook.disabled_reason ? <span className="text-muted">({hook.disabled_reason})</span> : null}
      </div>
      <div className="flex flex-wrap gap-2">
        <Button variant="secondary" onClick={() => test.mutate()} disabled={test.isPending || hook.status !== "active"}>Send a test message</Button>
        <Button variant="secondary" aria-expanded={logOpen} onClick={() => setLogOpen(!logOpen)}>Delivery log</Button>
        <Button variant="secondary" onClick={() => rotate.mutate()} disabled={rotate.isPending}>Rotate secret</Button>
        <Button variant="secondary" onClick={() => toggle.mutate()} disabled={toggle.isPending}>{hook.status === "active" ? "Disable" : "Enable"}</Button>
        <Button variant="danger" onClick={() => remove.mutate()} disabled={remove.isPending}>Delete<span className="sr-only"> endpoint</span></Button>
      </div>
      {logOpen ? <Deliveries webhookId={hook.id} /> : null}
      {error ? <ErrorAlert error={error} title="That did not work" /> : null}
    </li>
  );
}
