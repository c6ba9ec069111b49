"use client";

import { useState } from "react";
import { useConnect, useConnection, useConnectors, useDisconnect, useSignMessage, useSwitchChain } from "wagmi";

import { Button } from "@/components/ui/Button";
import { ErrorAlert } from "@/components/ui/States";
import { completeMfa, signInWithEthereum } from "@/lib/auth/siwe";
import { shortAddress } from "@/lib/money";
import { chains } from "@/lib/wagmi";
import { WalletBoundary } from "./WalletBoundary";

type Step = { kind: "idle" } | { kind: "mfa"; mfaToken: string; address: string };

/** Connect a wallet, then Sign-In with Ethereum; asks for the 2FA code when the account has one. */
function SignInFlow() {
  const connection = useConnection();
  const connectors = useConnectors();
  const connect = useConnect();
  const { mutateAsync: signMessage } = useSignMessage();
  const switchChain = useSwitchChain();
  const { mutate: disconnect } = useDisconnect();
  const [step, setStep] = useState<Step>({ kind: "idle" });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [code, setCode] = useState("");

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (step.kind === "mfa") {
    return (
      <form className="space-y-3" onSubmit={(e) => { e.preventDefault(); void run(() => completeMfa(step.mfaToken, step.address, code)); }}>
        <label htmlFor="mfa-code" className="block text-sm font-medium">Two-factor code (or a backup code)</label>
        <input id="mfa-code" name="code" inputMode="numeric" autoComplete="one-time-code" value={code}
               onChange={(e) => setCode(e.target.value)} className="w-48 rounded-md border border-border px-3 py-2 font-mono" />
        <div><Button type="submit" disabled={busy || code.trim() === ""}>Verify</Button></div>
        {error ? <ErrorAlert error={error} title="Sign-in failed" /> : null}
      </form>
    );
  }

  if (!connection.isConnected || !connection.address) {
    return (
      <div className="space-y-3">
        <p className="text-sm text-muted">Connect a wallet to sign in. No password: your wallet signs a one-time message.</p>
        <div className="flex flex-wrap gap-2">
          {connectors.map((connector) => (
            <Button key={connector.uid} disabled={busy}
                    onClick={() => void run(async () => { await connect.mutateAsync({ connector }); })}>
              Connect {connector.name === "Injected" ? "browser wallet" : connector.name}
            </Button>
          ))}
        </div>
        {error ? <ErrorAlert error={error} title="Could not connect" /> : null}
      </div>
    );
  }

  const address = connection.address;
  const chainId = connection.chainId;
  const supported = chains.some((chain) => chain.id === chainId);
  return (
    <div className="space-y-3">
      <p className="text-sm">
        Connected: <span className="font-mono" title={address}>{shortAddress(address)}</span>
        {connection.chain ? <> on {connection.chain.name}</> : null}
      </p>
      {supported && chainId !== undefined ? (
        <Button disabled={busy} onClick={() => void run(async () => {
          const next = await signInWithEthereum(address, chainId, (message) => signMessage({ message }));
          if (next.kind === "mfa") setStep(next);
        })}>
          Sign in with Ethereum
        </Button>
      ) : (
        <div className="space-y-2">
          <p className="text-sm text-warning-ink">Your wallet is on a chain Lancer does not use. Switch to one of:</p>
          <div className="flex flex-wrap gap-2">
            {chains.map((chain) => (
              <Button key={chain.id} variant="secondary" disabled={busy}
                      onClick={() => void run(async () => { await switchChain.mutateAsync({ chainId: chain.id }); })}>
                {chain.name}
              </Button>
            ))}
          </div>
        </div>
      )}
      <Button variant="secondary" className="ml-2" onClick={() => disconnect()}>Disconnect</Button>
      {error ? <ErrorAlert error={error} title="Sign-in failed" /> : null}
    </div>
  );
}

export function SignInPanel() {
  return <WalletBoundary><SignInFlow /></WalletBoundary>;
}
