"use client";

import { useQuery } from "@tanstack/react-query";
import { useParams } from "next/navigation";

import { Amount } from "@/components/ui/Amount";
import { Card, PageHeader } from "@/components/ui/Card";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { ConfirmationBadge, StateBadge } from "@/components/ui/StatusBadge";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";

type Detail = components["schemas"]["EscrowDetailOut"];

function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 19) + " UTC" : "—";
}

function Summary({ e }: { e: Detail }) {
  const decimals = e.amounts.decimals ?? e.token.decimals;
  const rows: [string, string][] = [["Total", e.amounts.total], ["Funded", e.amounts.funded], ["Released", e.amounts.released],
    ["Refunded", e.amounts.refunded], ["Fees", e.amounts.fees], ["Locked", e.amounts.locked]];
  return (
    <Card title="Summary" id="summary" action={<span className="flex gap-2"><StateBadge state={e.state} /><ConfirmationBadge confirmed={e.confirmed} /></span>}>
      <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
        <div><dt className="text-muted">Client</dt><dd className="break-all font-mono">{e.client}</dd></div>
        <div><dt className="text-muted">Freelancer</dt><dd className="break-all font-mono">{e.freelancer}</dd></div>
        <div><dt className="text-muted">Chain</dt><dd>{e.chain} ({e.chain_id})</dd></div>
        <div><dt className="text-muted">Token</dt><dd>{e.token.symbol ?? "native"}</dd></div>
        {rows.map(([label, value]) => (
          <div key={label}><dt className="text-muted">{label}</dt><dd><Amount value={value} decimals={decimals} symbol={e.token.symbol} /></dd></div>
        ))}
        <div><dt className="text-muted">Platform fee</dt><dd>{(e.fee_bps / 100).toFixed(2)} %</dd></div>
        <div><dt className="text-muted">Dispute</dt><dd>{e.dispute.open ? `open on milestone ${e.dispute.open_milestones.join(", ")}` : "none open"}</dd></div>
      </dl>
    </Card>
  );
}

function Milestones({ e }: { e: Detail }) {
  const decimals = e.amounts.decimals ?? e.token.decimals;
  return (
    <Card title="Milestones" id="milestones">
      <div className="overflow-x-auto">
        <table className="w-full text-sm">
          <thead className="text-left text-muted">
            <tr><th scope="col" className="py-1 pr-3">#</th><th scope="col" className="py-1 pr-3">State</th>
              <th scope="col" className="py-1 pr-3 text-right">Amount</th><th scope="col" className="py-1 pr-3 text-right">To freelancer</th>
              <th scope="col" className="py-1 pr-3">Auto-release</th><th scope="col" className="py-1">Status</th></tr>
          </thead>
          <tbody>
            {e.milestones.map((m) => (
              <tr key={m.index} className="border-t border-border" data-testid="milestone-row">
                <td className="py-2 pr-3">{m.index + 1}</td>
                <td className="py-2 pr-3"><StateBadge state={m.state} /></td>
                <td className="py-2 pr-3 text-right"><Amount value={m.amount} decimals={decimals} /></td>
                <td className="py-2 pr-3 text-right"><Amount value={m.to_freelancer} decimals={decimals} /></td>
                <td className="py-2 pr-3">{when(m.auto_release_at)}</td>
                <td className="py-2"><ConfirmationBadge confirmed={m.confirmed} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function Timeline({ e }: { e: Detail }) {
  return (
    <Card title="Timeline" id="timeline">
      <ol className="relative space-y-3 border-l-2 border-border pl-4 text-sm">
        {e.timeline.map((t) => (
          <li key={`${t.block_number}-${t.log_index}`} data-testid="timeline-event">
            <div className="flex flex-wrap items-center gap-2">
              <span className="font-semibold">{t.event}</span>
              <ConfirmationBadge confirmed={t.confirmed} />
            </div>
            <div className="text-muted">
              {when(t.block_time)} · block {t.block_number} ·{" "}
              {t.explorer_url ? <a href={t.explorer_url} className="font-mono text-primary underline" rel="noreferrer">tx {t.tx_hash.slice(0, 10)}…</a>
                : <span className="font-mono">tx {t.tx_hash.slice(0, 10)}…</span>}
            </div>
          </li>
        ))}
      </ol>
    </Card>
  );
}

export default function EscrowPage() {
  const params = useParams<{ chainId: string; address: string }>();
  const chainId = Number(params.chainId);
  const query = useQuery({
    queryKey: ["escrow", chainId, params.address],
    enabled: Number.isInteger(chainId),
    queryFn: async () => unwrap(await api.GET("/v1/escrows/{chain_id}/{address}", { params: { path: { chain_id: chainId, address: params.address } } })),
    refetchInterval: 15_000,
  });
  return (
    <>
      <PageHeader title="Escrow"><span className="break-all font-mono text-sm">{params.address}</span></PageHeader>
      {!Number.isInteger(chainId) ? <ErrorAlert error={new Error(`"${params.chainId}" is not a chain id`)} /> : (
        <QueryState query={query} rows={6} loadingLabel="Loading escrow">
          {(e) => (
            <div className="grid gap-gutter">
              <Summary e={e} />
              <Milestones e={e} />
              <Timeline e={e} />
            </div>
          )}
        </QueryState>
      )}
    </>
  );
}
