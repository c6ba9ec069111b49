"use client";

import { useState } from "react";
import { waitForTransactionReceipt } from "viem/actions";
import { useConfig, useConnect, useConnection, useConnectors, useSwitchChain } from "wagmi";
import { getConnectorClient, sendTransaction } from "wagmi/actions";

import { Button } from "@/components/ui/Button";
import { ErrorAlert } from "@/components/ui/States";
import { chains } from "@/lib/wagmi";
import { WalletBoundary } from "./WalletBoundary";

/** An unsigned transaction exactly as the API prepares it. */
export type PreparedTx = { description: string; chainId: number; to: string; data: string; value: string; from: string };
type Status = "waiting" | "signing" | "mining" | "done" | "failed";
export type TxRunnerProps = {
  /** Button text, e.g. "Fund escrow". */
  label: string;
  /** Asks the API for the transactions (called on click). */
  prepare: () => Promise<PreparedTx[]>;
  onDone?: () => void;
};

const chainName = (id: number) => chains.find((c) => c.id === id)?.name ?? `chain ${id}`;
const hex = (value: string) => value as `0x${string}`;

function StepList({ txs, statuses, hashes }: { txs: PreparedTx[]; statuses: Status[]; hashes: string[] }) {
  const words: Record<Status, string> = { waiting: "to send", signing: "confirm in your wallet…", mining: "sent, waiting for a block…", done: "mined", failed: "failed" };
  return (
    <ol className="list-decimal space-y-1 pl-6 text-sm" aria-live="polite">
      {txs.map((tx, i) => (
        <li key={i} data-testid="tx-step" data-status={statuses[i]}>
          {tx.description} — <span className={statuses[i] === "failed" ? "text-danger" : statuses[i] === "done" ? "text-success-ink" : "text-muted"}>{words[statuses[i] ?? "waiting"]}</span>
          {hashes[i] ? <span className="ml-1 font-mono text-xs text-muted" title={hashes[i]}>{hashes[i]?.slice(0, 10)}…</span> : null}
        </li>
      ))}
    </ol>
  );
}

/**
 * Sends the transactions the API prepared, one by one, through the user's own wallet: connects it when
 * needed, asks to switch when it is on another chain than the transactions', waits for each receipt.
 */
function Runner({ label, prepare, onDone }: TxRunnerProps) {
  const config = useConfig();
  const connection = useConnection();
  const connectors = useConnectors();
  const connect = useConnect();
  const switchChain = useSwitchChain();
  const [txs, setTxs] = useState<PreparedTx[] | null>(null);
  const [statuses, setStatuses] = useState<Status[]>([]);
  const [hashes, setHashes] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const guard = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try { await action(); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  const mark = (i: number, status: Status) => setStatuses((s) => s.map((v, j) => (j === i ? status : v)));

  const send = (list: PreparedTx[], from: number) => guard(async () => {
    for (let i = from; i < list.length; i++) {
      const tx = list[i]!;
      mark(i, "signing");
      try {
        const hash = await sendTransaction(config, { chainId: tx.chainId as (typeof chains)[number]["id"], to: hex(tx.to), data: hex(tx.data), value: BigInt(tx.value) });
        setHashes((h) => { const next = [...h]; next[i] = hash; return next; });
        mark(i, "mining");
        const client = await getConnectorClient(config);
        const receipt = await waitForTransactionReceipt(client, { hash, pollingInterval: 500 });
        if (receipt.status !== "success") throw new Error(`${tx.description}: the transaction reverted`);
        mark(i, "done");
      } catch (e) {
        mark(i, "failed");
        throw e;
      }
    }
    onDone?.();
  });

  const start = () => guard(async () => {
    const list = await prepare();
    setTxs(list);
    setStatuses(list.map(() => "waiting"));
    setHashes([]);
  });

  if (connection.status === "reconnecting" || connection.status === "connecting") {
    return <p className="text-sm text-muted" role="status">Connecting your wallet…</p>;
  }
  if (!connection.isConnected || !connection.address) {
    return (
      <div className="space-y-2">
        <p className="text-sm text-muted">Connect the wallet that signs this.</p>
        {connectors.map((c) => (
          <Button key={c.uid} disabled={busy} onClick={() => void guard(async () => { await connect.mutateAsync({ connector: c }); })}>
            Connect {c.name === "Injected" ? "browser wallet" : c.name}
          </Button>
        ))}
        {error ? <ErrorAlert error={error} title="Could not connect" /> : null}
      </div>
    );
  }
  if (!txs) {
    return (
      <div className="space-y-2">
        <Button disabled={busy} onClick={() => void start()}>{label}</Button>
        {error ? <ErrorAlert error={error} title="Could not prepare the transactions" /> : null}
      </div>
    );
  }
  const needed = txs[0]?.chainId;
  const wrongAccount = txs.find((tx) => tx.from.toLowerCase() !== connection.address?.toLowerCase());
  const firstOpen = statuses.findIndex((s) => s !== "done");
  return (
    <div className="space-y-3" data-testid="tx-runner">
      <StepList txs={txs} statuses={statuses} hashes={hashes} />
      {wrongAccount ? (
        <p role="alert" className="text-sm text-danger">Switch your wallet to account <span className="font-mono">{wrongAccount.from}</span>: it is the one that must send these.</p>
      ) : needed !== undefined && connection.chainId !== needed ? (
        <div role="alert" className="rounded-md border border-warning bg-warning-tint p-3 text-sm text-warning-ink" data-testid="switch-chain">
          <p>Your wallet is on {connection.chainId ? chainName(connection.chainId) : "another chain"}; these transactions are for {chainName(needed)}.</p>
          <Button className="mt-2" disabled={busy} onClick={() => void guard(async () => { await switchChain.mutateAsync({ chainId: needed as (typeof chains)[number]["id"] }); })}>
            Switch to {chainName(needed)}
          </Button>
        </div>
      ) : firstOpen >= 0 ? (
        <Button disabled={busy} onClick={() => void send(txs, firstOpen)}>
          {busy ? "Sending…" : firstOpen === 0 ? `Send ${txs.length === 1 ? "the transaction" : `${txs.length} transactions`} from your wallet` : `Continue from step ${firstOpen + 1}`}
        </Button>
      ) : (
        <p className="text-sm text-success-ink" data-testid="tx-done">All sent. The page follows the chain: it changes once the index sees them.</p>
      )}
      {error ? <ErrorAlert error={error} title="The wallet did not send it" /> : null}
    </div>
  );
}

export function TxRunner(props: TxRunnerProps) {
  return <WalletBoundary><Runner {...props} /></WalletBoundary>;
}
