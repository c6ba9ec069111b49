"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { saveFile } from "@/lib/download";

function CodeForm({ label, submit, busy, id }: { label: string; submit: (code: string) => void; busy: boolean; id: string }) {
  const [code, setCode] = useState("");
  return (
    <form className="flex flex-wrap items-end gap-2" onSubmit={(e) => { e.preventDefault(); submit(code.trim()); }}>
      <div>
        <label htmlFor={id} className="block text-sm font-medium">{label}</label>
        <input id={id} inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" maxLength={6} value={code}
               onChange={(e) => setCode(e.target.value)} className="mt-1 w-36 rounded-md border border-border px-3 py-2 font-mono" />
      </div>
      <Button type="submit" disabled={busy || code.trim().length !== 6}>Confirm</Button>
    </form>
  );
}

function BackupCodes({ codes }: { codes: string[] }) {
  return (
    <div className="space-y-2 rounded-md border border-warning bg-warning-tint p-3 text-warning-ink" data-testid="backup-codes">
      <p className="font-semibold">Backup codes: each works once. They are shown only now; keep them somewhere safe.</p>
      <ul className="grid grid-cols-2 gap-1 font-mono sm:grid-cols-5">{codes.map((c) => <li key={c}>{c}</li>)}</ul>
      <Button variant="secondary" onClick={() => saveFile("lancer-backup-codes.txt", codes.join("\n") + "\n")}>Download backup codes</Button>
    </div>
  );
}

export function TwoFactorCard() {
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: ["2fa"], queryFn: async () => unwrap(await api.GET("/v1/me/2fa")) });
  const [codes, setCodes] = useState<string[] | null>(null);
  const done = () => void queryClient.invalidateQueries({ queryKey: ["2fa"] });
  const setup = useMutation({ mutationFn: async () => unwrap(await api.POST("/v1/me/2fa/setup")) });
  const enable = useMutation({
    mutationFn: async (code: string) => unwrap(await api.POST("/v1/me/2fa/enable", { body: { code } })),
    onSuccess: (out) => { setCodes(out.backup_codes); setup.reset(); done(); },
  });
  const regenerate = useMutation({
    mutationFn: async (code: string) => unwrap(await api.POST("/v1/me/2fa/backup-codes", { body: { code } })),
    onSuccess: (out) => { setCodes(out.backup_codes); done(); },
  });
  const disable = useMutation({
    mutationFn: async (code: string) => unwrap(await api.POST("/v1/me/2fa/disable", { body: { code } })),
    onSuccess: () => { setCodes(null); done(); },
  });
  const error = setup.error ?? enable.error ?? regenerate.error ?? disable.error;

  return (
    <Card title="Two-factor authentication" id="twofactor">
      <QueryState query={status} loadingLabel="Loading 2FA status">
        {(s) => (
          <div className="space-y-4 text-sm">
            <p data-testid="2fa-status">
              {s.enabled ? <>2FA is <strong>on</strong>. Backup codes left: {s.backup_codes_remaining}.</> : <>2FA is <strong>off</strong>. Add an authenticator app for a second proof at sign-in.</>}
            </p>
            {codes ? <BackupCodes codes={codes} /> : null}
            {!s.enabled && !setup.data ? <Button onClick={() => setup.mutate()} disabled={setup.isPending}>Set up 2FA</Button> : null}
            {!s.enabled && setup.data ? (
              <div className="space-y-3">
                <p>Scan the QR code with your authenticator app, or type the secret, then enter the code it shows.</p>
                {/* The API renders the QR code (a PNG data URL), so the secret never leaves API and page. */}
                {/* eslint-disable-next-line @next/next/no-img-element */}
                <img src={setup.data.qr_png} alt="QR code of the 2FA secret" width={180} height={180} className="rounded border border-border" />
                <p>Secret: <code className="break-all font-mono" data-testid="totp-secret">{setup.data.secret}</code></p>
                <CodeForm id="enable-code" label="Code from the app" busy={enable.isPending} submit={(code) => enable.mutate(code)} />
              </div>
            ) : null}
            {s.enabled ? (
              <div className="grid gap-4 md:grid-cols-2">
                <CodeForm id="regen-code" label="New backup codes: current code" busy={regenerate.isPending} submit={(code) => regenerate.mutate(code)} />
                <CodeForm id="disable-code" label="Turn 2FA off: current code" busy={disable.isPending} submit={(code) => disable.mutate(code)} />
              </div>
            ) : null}
            {error ? <ErrorAlert error={error} title="That did not work" /> : null}
          </div>
        )}
      </QueryState>
    </Card>
  );
}
