"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { formatDate } from "@/lib/market/format";

type Status = "pending" | "succeeded" | "failed";

const STATUS_STYLE: Record<string, string> = {
  succeeded: "border-success bg-success-tint text-success-ink",
  failed: "border-danger bg-danger-tint text-danger-ink",
  pending: "border-dashed border-warning bg-warning-tint text-warning-ink",
};

function DeliveryStatus({ status }: { status: string }) {
  return <span className={`rounded-full border px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[status] ?? "border-border"}`} data-delivery-status={status}>{status}</span>;
}

function Attempts({ webhookId, deliveryId }: { webhookId: string; deliveryId: number }) {
  const detail = useQuery({
    queryKey: ["delivery", webhookId, deliveryId],
    queryFn: async () => unwrap(await api.GET("/v1/integrations/webhooks/{webhook_id}/deliveries/{delivery_id}",
                                              { params: { path: { webhook_id: webhookId, delivery_id: deliveryId } } })),
  });
  return (
    <QueryState query={detail} rows={2} loadingLabel="Loading the delivery">
      {(d) => (
        <div className="space-y-2 rounded-md bg-canvas p-2 text-xs" data-testid="delivery-detail">
          <p className="font-medium">Body sent (webhook-id <span className="font-mono">{d.msg_id}</span>)</p>
          <pre className="max-h-40 overflow-auto whitespace-pre-wrap break-all font-mono">{d.body}</pre>
          <ol className="space-y-1">
            {d.attempts_log.map((a) => (
              <li key={a.attempt}>#{a.attempt} {formatDate(a.created_at)}: {a.outcome}{a.status_code ? ` (HTTP ${a.status_code})` : ""}, {a.latency_ms} ms
                {a.response_excerpt ? <span className="text-muted"> · {a.response_excerpt.slice(0, 120)}</span> : null}</li>
            ))}
          </ol>
        </div>
      )}
    </QueryState>
  );
}

/** An endpoint's delivery log, newest first, refreshed while messages are pending; finished ones can be replayed. */
export function Deliveries({ webhookId }: { webhookId: string }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status | "">("");
  const [open, setOpen] = useState<number | null>(null);
  const key = ["deliveries", webhookId, status];
  const log = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET("/v1/integrations/webhooks/{webhook_id}/deliveries",
                                              { params: { path: { webhook_id: webhookId }, query: { limit: 20, status: status || undefined } } })),
    refetchInterval: (q) => (q.state.data?.items.some((d) => d.status === "pending") ? 1_500 : false),
  });
  const replay = useMutation({
    mutationFn: async (id: number) => unwrap(await api.POST("/v1/integrations/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
                                                           { params: { path: { webhook_id: webhookId, delivery_id: id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["deliveries", webhookId] }),
  });
  const filterId = `delivery-filter-${webhookId}`;
  return (
    <div className="space-y-2" data-testid="delivery-log">
      <div className="flex items-center gap-2 text-sm">
        <label htmlFor={filterId}>Show</label>
        <select id={filterId} value={status} onChange={(e) => setStatus(e.target.value as Status | "")}
                className="rounded-md border border-border bg-surface px-2 py-1">
          <option value="">all deliveries</option><option value="pending">pending</option>
          <option value="succeeded">succeeded</option><option value="failed">failed</option>
        </select>
      </div>
      <QueryState query={log} rows={2} loadingLabel="Loading deliveries" isEmpty={(d) => d.items.length === 0} empty="No delivery yet.">
        {(page) => (
          <ul className="divide-y divide-border text-sm">
            {page.items.map((d) => (
              <li key={d.id} className="py-2" data-testid="delivery-row">
                <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
                  <span className="font-mono">{d.event_type}</span>
                  <DeliveryStatus status={d.status} />
                  <span className="text-muted">{d.attempts} attempt(s){d.last_status_code ? `, HTTP ${d.last_status_code}` : ""}</span>
                  {d.replay_of ? <span className="text-muted">replay of #{d.replay_of}</span> : null}
                  <span className="text-muted">{formatDate(d.created_at)}</span>
                  <span className="ml-auto flex gap-2">
                    <Button variant="secondary" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? null : d.id)}>
                      Details<span className="sr-only"> of delivery {d.id}</span>
                    </Button>
                    <Button variant="secondary" disabled={d.status === "pending" || replay.isPending} onClick={() => replay.mutate(d.id)}>
                      Replay<span className="sr-only"> delivery {d.id}</span>
                    </Button>
                  </span>
                </div>
                {d.last_error ? <p className="text-xs text-danger-ink">{d.last_error}</p> : null}
                {open === d.id ? <Attempts webhookId={webhookId} deliveryId={d.id} /> : null}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {replay.error ? <ErrorAlert error={replay.error} title="Could not replay" /> : null}
    </div>
  );
}
