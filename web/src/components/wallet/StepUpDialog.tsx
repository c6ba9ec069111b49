"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { useConnect, useConnection, useConnectors, useSignMessage } from "wagmi";

import { Button } from "@/components/ui/Button";
import { SkeletonRows } from "@/components/ui/Skeleton";
import { ErrorAlert } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { stepUpWithCode, stepUpWithWallet } from "@/lib/auth/siwe";
import { WalletBoundary } from "./WalletBoundary";

type Props = { onDone: (confirmed: boolean) => void };

function useRun(onDone: Props["onDone"]) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (proof: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await proof();
      onDone(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

function CodeProof({ onDone }: Props) {
  const { busy, error, run } = useRun(onDone);
  const [code, setCode] = useState("");
  return (
    <form className="space-y-3" onSubmit={(e) => { e.preventDefault(); void run(() => stepUpWithCode(code)); }}>
      <label htmlFor="step-up-code" className="block text-sm font-medium">Two-factor code (or a backup code)</label>
      <input id="step-up-code" name="code" inputMode="numeric" autoComplete="one-time-code" autoFocus value={code}
             onChange={(e) => setCode(e.target.value)} className="w-48 rounded-md border border-border px-3 py-2 font-mono" />
      <div className="flex gap-2">
        <Button type="submit" disabled={busy || code.trim() === ""}>Confirm</Button>
        <Button variant="secondary" onClick={() => onDone(false)}>Cancel</Button>
      </div>
      {error ? <ErrorAlert error={error} title="Not confirmed" /> : null}
    </form>
  );
}

function WalletProof({ onDone }: Props) {
  const { busy, error, run } = useRun(onDone);
  const connection = useConnection();
  const connectors = useConnectors();
  const connect = useConnect();
  const { mutateAsync: signMessage } = useSignMessage();
  const sign = async () => {
    let address = connection.address;
    let chainId = connection.chainId;
    const connector = connectors[0];
    if ((!address || chainId === undefined) && connector) {
      const connected = await connect.mutateAsync({ connector });
      address = connected.accounts[0];
      chainId = connected.chainId;
    }
    if (!address || chainId === undefined) throw new Error("Connect a wallet linked to your account first");
    await stepUpWithWallet(address, chainId, (message) => signMessage({ message }));
  };
  return (
    <div className="space-y-3">
      <p className="text-sm">Your wallet will ask you to sign a one-time message. It costs nothing.</p>
      <div className="flex gap-2">
        <Button autoFocus disabled={busy} onClick={() => void run(sign)}>Sign with wallet</Button>
        <Button variant="secondary" onClick={() => onDone(false)}>Cancel</Button>
      </div>
      {error ? <ErrorAlert error={error} title="Not confirmed" /> : null}
    </div>
  );
}

/**
 * "Confirm it's you": a modal <dialog> (focus kept inside, Escape cancels) asking for the 2FA code when
 * the account has 2FA, else for a fresh wallet signature. Opened by StepUpHost for the API client.
 */
export function StepUpDialog({ onDone }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const detailId = useId();
  // Asked afresh each time (not the cached /v1/me): 2FA may have been turned on since the page loaded.
  const me = useQuery({ queryKey: ["step-up", "me"], queryFn: async () => unwrap(await api.GET("/v1/me")), gcTime: 0 });
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby={titleId} aria-describedby={detailId}
            onCancel={(e) => { e.preventDefault(); onDone(false); }}
            className="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-lg border border-border bg-surface p-5 text-fg shadow-lg backdrop:bg-black/40">
      <h2 id={titleId} className="text-lg font-semibold">Confirm it&apos;s you</h2>
      <p id={detailId} className="mb-4 mt-1 text-sm text-muted">
        This change needs a recent proof that it is you: your sign-in is too old for it.
      </p>
      {me.isPending ? <SkeletonRows rows={2} label="Loading your account" />
        : me.data?.mfa_enabled ? <CodeProof onDone={onDone} />
        : <WalletBoundary><WalletProof onDone={onDone} /></WalletBoundary>}
    </dialog>
  );
}
