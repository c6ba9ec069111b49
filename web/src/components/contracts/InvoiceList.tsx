"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";

import { Amount } from "@/components/ui/Amount";
import { Button } from "@/components/ui/Button";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { ConfirmationBadge } from "@/components/ui/StatusBadge";
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
  const query = useInfiniteQuery({
    queryKey: ["invoices"],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => unwrap(await api.GET("/v1/me/invoices", { params: { query: { limit: 50, cursor: pageParam } } })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: refetchMs,
  });
  const items = query.data?.pages.flatMap((p) => p.items).filter((i) => !escrow || i.escrow.toLowerCase() === escrow.toLowerCase());
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
          {query.hasNextPage ? <Button variant="secondary" className="mt-2" onClick={() => void query.fetchNextPage()}>Load more</Button> : null}
        </>
      )}
    </QueryState>
  );
}
