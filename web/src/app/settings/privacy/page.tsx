"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { ConsentsCard } from "@/components/settings/ConsentsCard";
import { Button } from "@/components/ui/Button";
import { Card, PageHeader } from "@/components/ui/Card";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { useMe } from "@/hooks/useMe";
import { api, unwrap } from "@/lib/api/client";
import { saveFile } from "@/lib/download";

const EXPORT_KEY = "lancer.export";

function ExportCard() {
  // The API has no list of exports: remember the last one asked for in this tab.
  const [exportId, setExportId] = useState<string | null>(() => (typeof window === "undefined" ? null : window.sessionStorage.getItem(EXPORT_KEY)));
  const request = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/me/export")),
    onSuccess: (out) => { window.sessionStorage.setItem(EXPORT_KEY, out.id); setExportId(out.id); },
  });
  const status = useQuery({
    queryKey: ["export", exportId],
    enabled: exportId !== null,
    queryFn: async () => unwrap(await api.GET("/v1/me/export/{export_id}", { params: { path: { export_id: exportId ?? "" } } })),
    // Built by a background job: poll until it is no longer pending.
    refetchInterval: (query) => (query.state.data?.status === "pending" ? 2_000 : false),
  });
  const download = useMutation({
    mutationFn: async (id: string) => {
      const blob = unwrap(await api.GET("/v1/me/export/{export_id}/download", { params: { path: { export_id: id } }, parseAs: "blob" }));
      saveFile(`lancer-export-${id}.json`, blob as Blob, "application/json");
    },
  });
  return (
    <Card title="Export your data" id="export">
      <div className="space-y-3 text-sm">
        <p>A JSON archive of everything Lancer holds about you: profile, wallets, sessions, keys, audit log.</p>
        <Button onClick={() => request.mutate()} disabled={request.isPending}>Request an export</Button>
        {exportId ? (
          <QueryState query={status} rows={1} loadingLabel="Loading export status">
            {(e) => (
              <p data-testid="export-status">
                Export requested {new Date(e.created_at).toISOString().slice(0, 16).replace("T", " ")} UTC: <strong>{e.status}</strong>
                {e.status === "ready" ? <> · <Button variant="secondary" onClick={() => download.mutate(e.id)}>Download</Button></> : null}
                {e.status === "pending" ? " (being built; this page updates by itself)" : null}
              </p>
            )}
          </QueryState>
        ) : null}
        {request.error ?? download.error ? <ErrorAlert error={request.error ?? download.error} title="Export failed" /> : null}
      </div>
    </Card>
  );
}

function DeletionCard() {
  const me = useMe();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const done = () => { setConfirming(false); void queryClient.invalidateQueries({ queryKey: ["me"] }); };
  const schedule = useMutation({ mutationFn: async () => unwrap(await api.DELETE("/v1/me")), onSuccess: done });
  const cancel = useMutation({ mutationFn: async () => unwrap(await api.POST("/v1/me/deletion/cancel")), onSuccess: done });
  return (
    <Card title="Delete your account" id="delete">
      <QueryState query={me} rows={2}>
        {(user) => (
          <div className="space-y-3 text-sm">
            {user.deletion_scheduled_for ? (
              <>
                <p data-testid="deletion-status">Your account will be erased on <strong>{new Date(user.deletion_scheduled_for).toISOString().slice(0, 10)}</strong>. Until then you can change your mind.</p>
                <Button variant="secondary" onClick={() => cancel.mutate()} disabled={cancel.isPending}>Cancel the deletion</Button>
              </>
            ) : confirming ? (
              <>
                <p>Your profile, sessions, keys and 2FA will be erased after a grace period. On-chain records cannot be erased. Continue?</p>
                <div className="flex gap-2">
                  <Button variant="danger" onClick={() => schedule.mutate()} disabled={schedule.isPending}>Yes, schedule deletion</Button>
                  <Button variant="secondary" onClick={() => setConfirming(false)}>Keep my account</Button>
                </div>
              </>
            ) : (
              <>
                <p>Erasure happens after a grace period, during which you can cancel.</p>
                <Button variant="danger" onClick={() => setConfirming(true)}>Delete my account…</Button>
              </>
            )}
            {schedule.error ?? cancel.error ? <ErrorAlert error={schedule.error ?? cancel.error} title="That did not work" /> : null}
          </div>
        )}
      </QueryState>
    </Card>
  );
}

export default function PrivacyPage() {
  return (
    <>
      <PageHeader title="Privacy">Take your data with you, see what you agreed to, or ask us to erase it.</PageHeader>
      <RequireSignIn>
        <div className="grid gap-gutter">
          <ExportCard />
          <ConsentsCard />
          <DeletionCard />
        </div>
      </RequireSignIn>
    </>
  );
}
