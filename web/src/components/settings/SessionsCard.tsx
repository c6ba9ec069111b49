"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { deviceName, isMobile } from "@/lib/device";
import { formatDate } from "@/lib/market/format";
import { shortAddress } from "@/lib/money";

export function SessionsCard() {
  const queryClient = useQueryClient();
  const sessions = useQuery({ queryKey: ["sessions"], queryFn: async () => unwrap(await api.GET("/v1/me/sessions")) });
  const [confirmOthers, setConfirmOthers] = useState(false);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["sessions"] });
  const revoke = useMutation({
    mutationFn: async (id: string) => unwrap(await api.DELETE("/v1/me/sessions/{session_id}", { params: { path: { session_id: id } } })),
    onSuccess: refresh,
  });
  const revokeOthers = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/me/sessions/revoke-others")),
    onSuccess: () => { setConfirmOthers(false); refresh(); },
  });
  // The current session first, then the most recently seen: the one to look at is on top.
  const list = sessions.data ? [...sessions.data].sort((a, b) => Number(b.current) - Number(a.current) || b.last_seen_at.localeCompare(a.last_seen_at)) : undefined;
  const others = (list ?? []).filter((s) => !s.current).length;
  return (
    <Card title="Sessions and devices" id="sessions"
          action={others > 0 && !confirmOthers ? <Button variant="secondary" onClick={() => setConfirmOthers(true)}>Sign out other sessions…</Button> : null}>
      {confirmOthers ? (
        <div className="mb-3 flex flex-wrap items-center gap-2 rounded-md border border-warning bg-warning-tint p-3 text-sm text-warning-ink" role="alert">
          <span>Sign out the {others} other session(s)? Those devices will need to sign in again.</span>
          <Button variant="danger" onClick={() => revokeOthers.mutate()} disabled={revokeOthers.isPending}>Sign them out</Button>
          <Button variant="secondary" onClick={() => setConfirmOthers(false)}>Keep them</Button>
        </div>
      ) : null}
      <QueryState query={{ isPending: sessions.isPending, error: sessions.error, data: list }} loadingLabel="Loading sessions"
                  isEmpty={(d) => d.length === 0} empty="No active sessions.">
        {(rows) => (
          <ul className="divide-y divide-border text-sm">
            {rows.map((s) => {
              const revoking = revoke.isPending && revoke.variables === s.id;
              return (
                <li key={s.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2" data-testid="session-row">
                  <span className="min-w-0 flex-1">
                    <span className="block font-medium" title={s.user_agent}>
                      <span data-testid="session-device">{deviceName(s.user_agent)}</span>
                      {isMobile(s.user_agent) ? <span className="font-normal text-muted"> · mobile</span> : null}
                    </span>
                    <span className="block text-muted">
                      {s.ip || "unknown address"} · <span className="font-mono">{shortAddress(s.wallet_address)}</span> · {s.mfa ? "with 2FA" : "wallet only"}
                    </span>
                    <span className="block text-muted">signed in {formatDate(s.created_at)} · last seen {formatDate(s.last_seen_at)} · expires {formatDate(s.expires_at)}</span>
                  </span>
                  {s.current ? <span className="rounded-full bg-primary-tint px-2 py-0.5 text-xs font-medium text-primary-hover">this device</span>
                    : <Button variant="danger" onClick={() => revoke.mutate(s.id)} disabled={revoking}>
                        {revoking ? "Revoking…" : "Revoke"}<span className="sr-only"> {deviceName(s.user_agent)}, last seen {formatDate(s.last_seen_at)}</span>
                      </Button>}
                </li>
              );
            })}
          </ul>
        )}
      </QueryState>
      {revoke.error ?? revokeOthers.error ? <ErrorAlert error={revoke.error ?? revokeOthers.error} title="Could not revoke" /> : null}
    </Card>
  );
}
