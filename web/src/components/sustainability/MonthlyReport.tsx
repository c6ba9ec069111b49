"use client";

import { useMutation, useQuery } from "@tanstack/react-query";

import { Amount } from "@/components/ui/Amount";
import { BarChart } from "@/components/ui/BarChart";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";
import { saveFile } from "@/lib/download";
import { formatGrams } from "@/lib/money";

type Figure = components["schemas"]["ReportFigure"];
type Month = components["schemas"]["ReportMonth"];

const grams = (figures: Figure[]) => figures.reduce((sum, f) => sum + Number(f.grams_co2e ?? f.amount ?? 0), 0);

function Figures({ title, figures }: { title: string; figures: Figure[] }) {
  return (
    <div>
      <h4 className="font-medium text-muted">{title}</h4>
      {figures.length === 0 ? <p>none</p> : (
        <ul>{figures.map((f) => (
          <li key={`${f.chain_id}-${f.kind}-${f.token}-${f.destination}`}>
            {f.chain}{f.kind ? ` · ${f.kind}` : ""}: {f.grams_co2e != null ? formatGrams(f.grams_co2e)
              : <Amount value={f.amount} decimals={f.decimals} symbol={f.symbol ?? "native"} />} <span className="text-muted">({f.count})</span>
          </li>
        ))}</ul>
      )}
    </div>
  );
}

/** The report's JSON (twelve months), shared by the report card and the ledger (one request). */
export function useReport() {
  return useQuery({
    queryKey: ["sustainability-report"],
    queryFn: async () => {
      // The route also answers text/csv; asked for JSON, a string would be a broken answer.
      const out = unwrap(await api.GET("/v1/sustainability/report", { params: { query: { limit: 12, format: "json" } } }));
      if (typeof out === "string") throw new Error("The report came back as text, not JSON");
      return out;
    },
  });
}

/** A token's key: the native coin is null in the report and the zero address in the ledger. */
export function tokenKey(chainId: number, token: string | null | undefined): string {
  return `${chainId}:${!token || /^0x0+$/.test(token) ? "native" : token.toLowerCase()}`;
}

/** Symbol and decimals of each token the report names, by "chainId:token" (the ledger has neither). */
export function tokenUnits(months: Month[]): Map<string, { symbol: string; decimals: number }> {
  const units = new Map<string, { symbol: string; decimals: number }>();
  for (const m of months) {
    for (const f of [...m.fees_received, ...m.distributions]) {
      if (f.decimals != null) units.set(tokenKey(f.chain_id, f.token), { symbol: f.symbol ?? "native", decimals: f.decimals });
    }
  }
  return units;
}

/** The monthly transparency report: emissions against offsets per month (charts), fees and where they went. */
export function MonthlyReport({ month, onMonth }: { month: string; onMonth: (m: string) => void }) {
  const report = useReport();
  const csv = useMutation({
    mutationFn: async () => {
      const body = unwrap(await api.GET("/v1/sustainability/report", { params: { query: { limit: 12, format: "csv" } }, parseAs: "text" }));
      saveFile("lancer-transparency-report.csv", String(body), "text/csv");
    },
  });
  return (
    <Card title="Monthly transparency report" id="report"
          action={<Button variant="secondary" onClick={() => csv.mutate()} disabled={csv.isPending}>Download CSV</Button>}>
      <QueryState query={report} rows={4} loadingLabel="Loading the report" isEmpty={(d) => d.months.length === 0} empty="No month reported yet.">
        {(data) => {
          const months: Month[] = [...data.months].sort((a, b) => a.month.localeCompare(b.month));
          const chosen = months.find((m) => m.month.startsWith(month)) ?? months[months.length - 1];
          return (
            <div className="space-y-4 text-sm">
              <div className="grid gap-4 md:grid-cols-2">
                <BarChart testId="emissions-chart" caption={`Emissions per month, ${data.from_month} to ${data.to_month} (gCO2e)`}
                          data={months.map((m) => ({ label: m.month.slice(0, 7), value: grams(m.emissions), display: formatGrams(grams(m.emissions)) }))} />
                <BarChart testId="offsets-chart" caption="Offsets recorded per month (gCO2e)"
                          data={months.map((m) => ({ label: m.month.slice(0, 7), value: grams(m.offsets), display: formatGrams(grams(m.offsets)) }))} />
              </div>
              <div className="max-w-xs">
                <label htmlFor="report-month" className="block font-medium">Month</label>
                <select id="report-month" value={chosen?.month.slice(0, 7) ?? ""} onChange={(e) => onMonth(e.target.value)}
                        className="mt-1 w-full rounded-md border border-border bg-surface px-2 py-1">
                  {months.map((m) => <option key={m.month} value={m.month.slice(0, 7)}>{m.month.slice(0, 7)}</option>)}
                </select>
              </div>
              {chosen ? (
                <div className="grid gap-4 md:grid-cols-3" data-testid="report-month">
                  <Figures title="Fees received" figures={chosen.fees_received} />
                  <Figures title="Distributions" figures={chosen.distributions} />
                  <div>
                    <h4 className="font-medium text-muted">Offsets against emissions</h4>
                    {chosen.offsets_vs_emissions.length === 0 ? <p>none</p> : (
                      <ul>{chosen.offsets_vs_emissions.map((c) => (
                        <li key={c.chain_id}>{c.chain}: {formatGrams(c.emitted_grams_co2e)} emitted, {formatGrams(c.offset_grams_co2e)} offset, net {formatGrams(c.net_grams_co2e)}</li>
                      ))}</ul>
                    )}
                  </div>
                </div>
              ) : null}
              <p className="text-muted">{data.confirmed_only ? "Confirmed blocks only." : "Includes pending blocks."}</p>
            </div>
          );
        }}
      </QueryState>
      {csv.error ? <ErrorAlert error={csv.error} title="Could not download the CSV" /> : null}
    </Card>
  );
}
