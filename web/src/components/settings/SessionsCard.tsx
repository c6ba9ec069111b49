"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { shortAddress } from "@/lib/money";

export function SessionsCard() {
  const queryClient = useQueryClient();
  const sessions = useQuery({ queryKey: ["sessions"], queryFn: async () => unwrap(await api.GET("/v1/me/sessions")) });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["sessions"] });
  const revoke = useMutation({
    mutationFn: async (id: string) => unwrap(await api.DELETE("/v1/me/sessions/{session_id}", { params: { path: { session_id: id } } })),
    onSuccess: refresh,
  });
  const revokeOthers = useMutation({ mutationFn: async () => unwrap(await api.POST("/v1/me/sessions/revoke-others")), onSuccess: refresh });
  return (
    <Card title="Sessions and devices" id="sessions"
          action={<Button variant="secondary" onClick={() => revokeOthers.mutate()} disabled={revokeOthers.isPending}>Sign out other sessions</Button>}>
      <QueryState query={sessions} loadingLabel="Loading sessions" isEmpty={(d) => d.length === 0} empty="No active sessions.">
        {(list) => (
          <ul className="divide-y divide-border text-sm">
            {list.map((s) => (
              <li key={s.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2" data-testid="session-row">
                <span className="min-w-0 flex-1 truncate" title={s.user_agent}>{s.user_agent || "unknown device"}</span>
                <span className="text-muted">{s.ip} · <span className="font-mono">{shortAddress(s.wallet_address)}</span> · {s.mfa ? "with 2FA" : "wallet only"}</span>
                <span className="text-muted">last seen {new Date(s.last_seen_at).toISOString().slice(0, 16).replace("T", " ")} UTC</span>
                {s.current ? <span className="rounded-full bg-primary-tint px-2 py-0.5 text-xs font-medium text-primary-hover">this device</span>
                  : <Button variant="danger" onClick={() => revoke.mutate(s.id)} disabled={revoke.isPending}>Revoke</Button>}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {revoke.error ?? revokeOthers.error ? <ErrorAlert error={revoke.error ?? revokeOthers.error} title="Could not revoke" /> : null}
    </Card>
  );
}
