"use client";

import { useState } from "react";

import { Amount } from "@/components/ui/Amount";
import { Button } from "@/components/ui/Button";
import { LoadMore } from "@/components/ui/LoadMore";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { ConfirmationBadge } from "@/components/ui/StatusBadge";
import { useKeysetPages } from "@/hooks/useKeysetPages";
import { accessToken, api, unwrap } from "@/lib/api/client";
import { toApiError } from "@/lib/api/problem";
import { saveFile } from "@/lib/download";
import { formatDate } from "@/lib/market/format";

/** The PDF comes with the bearer token, so it is fetched and saved rather than linked. */
async function downloadPdf(id: string): Promise<void> {
  const token = await accessToken();
  const response = await fetch(`/v1/invoices/${id}.pdf`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw toApiError(await response.json().catch(() => null), response);
  saveFile(`lancer-invoice-${id}.pdf`, await response.blob(), "application/pdf");
}

function PdfButton({ id }: { id: string }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <Button variant="secondary" disabled={busy} aria-label={`Download invoice ${id} as PDF`}
              onClick={() => { setBusy(true); setError(null); downloadPdf(id).catch(setError).finally(() => setBusy(false)); }}>PDF</Button>
      {error ? <ErrorAlert error={error} title="Download failed" /> : null}
    </>
  );
}

/** My invoices (one per released milestone, from the chain); only one escrow's when `escrow` is given. */
export function InvoiceList({ escrow, refetchMs }: { escrow?: string; refetchMs?: number }) {
  const { query, items: all } = useKeysetPages(["invoices"], async (cursor) => unwrap(await api.GET("/v1/me/invoices", {
    params: { query: { limit: 50, cursor } },
  })), { refetchInterval: refetchMs });
  const items = all?.filter((i) => !escrow || i.escrow.toLowerCase() === escrow.toLowerCase());
  return (
    <QueryState query={{ ...query, data: items }} isEmpty={(d) => d.length === 0} empty="No invoice yet: one is issued per released milestone." loadingLabel="Loading invoices">
      {(list) => (
        <>
          <ul className="divide-y divide-border text-sm">
            {list.map((inv) => (
              <li key={inv.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2" data-testid="invoice-row">
                <span className="font-mono text-xs" title={inv.number}>#{inv.milestone_index + 1} · {inv.chain}</span>
                <Amount value={inv.amount} decimals={inv.decimals} symbol={inv.symbol ?? "native"} />
                <span className="text-muted">{inv.role === "client" ? "billed to you" : "issued by you"} · {formatDate(inv.issued_at)}</span>
                <ConfirmationBadge confirmed={inv.confirmed} />
                <span className="ml-auto"><PdfButton id={inv.id} /></span>
              </li>
            ))}
          </ul>
          <LoadMore query={query} />
        </>
      )}
    </QueryState>
  );
}
