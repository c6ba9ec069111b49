"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { Allocations } from "@/components/sustainability/Allocations";
import { Ledger } from "@/components/sustainability/Ledger";
import { MonthlyReport } from "@/components/sustainability/MonthlyReport";
import { Amount } from "@/components/ui/Amount";
import { Card, PageHeader } from "@/components/ui/Card";
import { EmptyState, QueryState } from "@/components/ui/States";
import { ConfirmationBadge } from "@/components/ui/StatusBadge";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";
import { formatGrams, shortAddress } from "@/lib/money";

type ChainTreasury = components["schemas"]["ChainTreasury"];
type Period = "day" | "week" | "month";

function TreasuryChain({ t }: { t: ChainTreasury }) {
  return (
    <div className="rounded-md border border-border p-3" data-testid="treasury-chain">
      <h3 className="font-semibold">{t.chain} <span className="font-normal text-muted">(as of block {t.as_of_block})</span></h3>
      <div className="mt-2 grid gap-4 text-sm md:grid-cols-3">
        <div>
          <h4 className="font-medium text-muted">Fees received</h4>
          {t.fees_received.length === 0 ? <p>none yet</p> : (
            <ul>{t.fees_received.map((f) => <li key={f.token ?? "native"}><Amount value={f.amount} decimals={f.decimals} symbol={f.symbol ?? "native"} /></li>)}</ul>
          )}
        </div>
        <div>
          <h4 className="font-medium text-muted">Distributed</h4>
          {t.distributions.length === 0 ? <p>none yet</p> : (
            <ul>{t.distributions.map((d) => <li key={`${d.kind}-${d.token}`}>{d.kind}: <Amount value={d.amount} decimals={d.decimals} symbol={d.symbol ?? "native"} /></li>)}</ul>
          )}
        </div>
        <div>
          <h4 className="font-medium text-muted">Splits</h4>
          <ul>{t.splits.map((s) => <li key={`${s.kind}-${s.to}`}>{s.kind} {(s.bps / 100).toFixed(2)} % → <span className="font-mono">{shortAddress(s.to)}</span></li>)}</ul>
        </div>
      </div>
      {t.offsets.length > 0 ? (
        <div className="mt-3 text-sm">
          <h4 className="font-medium text-muted">Offset certificates</h4>
          <ul>{t.offsets.map((o) => (
            <li key={o.certificate_id} className="flex flex-wrap items-center gap-2">
              <span className="font-mono">{o.certificate_id}</span> {formatGrams(o.grams_co2e)} <ConfirmationBadge confirmed={o.confirmed} />
            </li>
          ))}</ul>
        </div>
      ) : null}
    </div>
  );
}

function Treasury() {
  const [pending, setPending] = useState(false);
  const query = useQuery({
    queryKey: ["treasury", pending],
    queryFn: async () => unwrap(await api.GET("/v1/treasury", { params: { query: { pending } } })),
  });
  return (
    <Card title="Treasury" id="treasury" action={
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={pending} onChange={(e) => setPending(e.target.checked)} /> Include pending blocks
      </label>}>
      <QueryState query={query} rows={4} loadingLabel="Loading treasury" isEmpty={(d) => d.chains.length === 0}
                  empty="No treasury is deployed on an indexed chain yet.">
        {(data) => (
          <div className="space-y-3">
            <p className="text-sm text-muted">
              Fees taken by escrows and how they were split. Offsets recorded: {formatGrams(data.totals.offsets_grams_co2e)} in{" "}
              {data.totals.offset_certificates} certificate(s). {data.confirmed_only ? "Confirmed blocks only." : "Includes pending blocks."}
            </p>
            {data.chains.map((t) => <TreasuryChain key={t.chain_id} t={t} />)}
          </div>
        )}
      </QueryState>
    </Card>
  );
}

function Carbon() {
  const [period, setPeriod] = useState<Period>("month");
  const query = useQuery({
    queryKey: ["carbon", period],
    queryFn: async () => unwrap(await api.GET("/v1/carbon/summary", { params: { query: { period } } })),
  });
  return (
    <Card title="Carbon footprint" id="carbon" action={
      <label className="text-sm">Period{" "}
        <select value={period} onChange={(e) => setPeriod(e.target.value as Period)} className="rounded-md border border-border bg-surface px-2 py-1">
          <option value="day">day</option><option value="week">week</option><option value="month">month</option>
        </select>
      </label>}>
      <QueryState query={query} rows={4} loadingLabel="Loading carbon summary" isEmpty={(d) => d.chains.length === 0}
                  empty="No transactions indexed yet.">
        {(data) => {
          const actions = data.chains.flatMap((c) => c.by_action.map((a) => ({ ...a, chain: c.chain })));
          const max = Math.max(1, ...actions.map((a) => Number(a.grams_co2e)));
          return (
            <div className="space-y-4 text-sm">
              <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
                <div><dt className="text-muted">Emitted</dt><dd className="text-title font-semibold">{formatGrams(data.totals.grams_co2e)}</dd></div>
                <div><dt className="text-muted">Offset</dt><dd className="text-title font-semibold">{formatGrams(data.totals.offsets_grams_co2e)}</dd></div>
                <div><dt className="text-muted">Net</dt><dd className="text-title font-semibold">{formatGrams(data.totals.net_grams_co2e)}</dd></div>
                <div><dt className="text-muted">Transactions</dt><dd className="text-title font-semibold">{data.totals.transactions}</dd></div>
              </dl>
              {actions.length === 0 ? <EmptyState>No actions yet.</EmptyState> : (
                <table className="w-full">
                  <caption className="sr-only">Emissions per chain and action</caption>
                  <thead className="text-left text-muted"><tr><th scope="col" className="pr-3">Chain</th><th scope="col" className="pr-3">Action</th>
                    <th scope="col" className="pr-3 text-right">Txs</th><th scope="col" className="pr-3 text-right">gCO2e</th><th scope="col" className="w-1/3"><span className="sr-only">Share</span></th></tr></thead>
                  <tbody>
                    {actions.map((a) => (
                      <tr key={`${a.chain}-${a.action}`} className="border-t border-border" data-testid="carbon-row">
                        <td className="py-1 pr-3">{a.chain}</td><td className="py-1 pr-3 font-mono">{a.action}</td>
                        <td className="py-1 pr-3 text-right tabular-nums">{a.transactions}</td>
                        <td className="py-1 pr-3 text-right tabular-nums">{formatGrams(a.grams_co2e)}</td>
                        <td className="py-1" aria-hidden="true"><div className="h-2 rounded bg-primary" style={{ width: `${(100 * Number(a.grams_co2e)) / max}%` }} /></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <p className="text-muted">{data.method}</p>
            </div>
          );
        }}
      </QueryState>
    </Card>
  );
}

export default function SustainabilityPage() {
  // The ledger follows the month chosen in the report; this UTC month until one is chosen.
  const [month, setMonth] = useState(() => new Date().toISOString().slice(0, 7));
  return (
    <>
      <PageHeader title="Sustainability">The treasury, the footprint of every transaction, and the monthly transparency ledger, from the chain index.</PageHeader>
      <div className="grid gap-gutter">
        <Treasury />
        <Carbon />
        <MonthlyReport month={month} onMonth={setMonth} />
        <Ledger month={month} />
        <Allocations />
      </div>
    </>
  );
}
