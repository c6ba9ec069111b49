"use client";

import { useState } from "react";

import { Amount } from "@/components/ui/Amount";
import { Card } from "@/components/ui/Card";
import { LoadMore } from "@/components/ui/LoadMore";
import { QueryState } from "@/components/ui/States";
import { useKeysetPages } from "@/hooks/useKeysetPages";
import { api, unwrap } from "@/lib/api/client";
import { formatDate } from "@/lib/market/format";
import { formatAmount, shortAddress } from "@/lib/money";
import { tokenKey, tokenUnits, useReport } from "./MonthlyReport";

type Section = "fees" | "distributions" | "offsets";

/** Every entry of one month's report, down to the transaction: the report can be checked line by line. */
export function Ledger({ month }: { month: string }) {
  const [section, setSection] = useState<Section>("fees");
  const { query: ledger, items: rows } = useKeysetPages(["ledger", month, section], async (cursor) => unwrap(await api.GET("/v1/sustainability/ledger",
      { params: { query: { month, section, limit: 50, cursor } } })));
  const units = tokenUnits(useReport().data?.months ?? []);
  return (
    <Card title={`Ledger of ${month}`} id="ledger" action={
      <label className="text-sm">Section{" "}
        <select value={section} onChange={(e) => setSection(e.target.value as Section)} className="rounded-md border border-border bg-surface px-2 py-1">
          <option value="fees">fees</option><option value="distributions">distributions</option><option value="offsets">offsets</option>
        </select>
      </label>}>
      <QueryState query={{ isPending: ledger.isPending, error: ledger.error, data: rows }} rows={3} loadingLabel="Loading the ledger"
                  isEmpty={(d) => d.length === 0} empty={`No ${section} entry in ${month}.`}>
        {(items) => (
          <div className="overflow-x-auto">
            <table className="w-full text-sm">
              <caption className="sr-only">Ledger entries, {section}, {month}</caption>
              <thead className="text-left text-muted"><tr>
                <th scope="col" className="pr-3">Time</th><th scope="col" className="pr-3">Chain</th><th scope="col" className="pr-3">Kind</th>
                <th scope="col" className="pr-3">Counterparty</th><th scope="col" className="pr-3 text-right">Amount</th><th scope="col">Transaction</th>
              </tr></thead>
              <tbody>
                {items.map((e) => (
                  <tr key={`${e.chain_id}-${e.block_number}-${e.log_index}`} className="border-t border-border" data-testid="ledger-row">
                    <td className="py-1 pr-3">{formatDate(e.block_time)}</td>
                    <td className="py-1 pr-3">{e.chain_id}</td>
                    <td className="py-1 pr-3">{e.kind ?? section}{e.token ? <span className="text-muted"> · {shortAddress(e.token)}</span> : null}</td>
                    <td className="py-1 pr-3 font-mono">{e.counterparty ? shortAddress(e.counterparty) : e.reference ?? "—"}</td>
                    <td className="py-1 pr-3 text-right">{(() => {
                      // Offsets are grams; fees and distributions are token base units, shown with the report's decimals.
                      const unit = units.get(tokenKey(e.chain_id, e.token));
                      return unit ? <Amount value={e.amount} decimals={unit.decimals} symbol={unit.symbol} />
                        : <span className="font-mono tabular-nums" title={e.amount}>{formatAmount(e.amount, null)}{section === "offsets" ? " g" : ""}</span>;
                    })()}</td>
                    <td className="py-1 font-mono">
                      {e.tx.explorer_url ? <a className="text-primary underline" href={e.tx.explorer_url} rel="noreferrer" target="_blank">{shortAddress(e.tx.tx_hash)}</a>
                        : shortAddress(e.tx.tx_hash)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <LoadMore query={ledger} label="More entries" />
          </div>
        )}
      </QueryState>
    </Card>
  );
}
