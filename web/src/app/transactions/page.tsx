"use client";


import { Amount } from "@/components/ui/Amount";
import { Card, PageHeader } from "@/components/ui/Card";
import { LoadMore } from "@/components/ui/LoadMore";
import { QueryState } from "@/components/ui/States";
import { ConfirmationBadge } from "@/components/ui/StatusBadge";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { useKeysetPages } from "@/hooks/useKeysetPages";
import { api, unwrap } from "@/lib/api/client";
import { formatDate, humanState } from "@/lib/market/format";
import { shortAddress } from "@/lib/money";

function Transactions() {
  const { query, items } = useKeysetPages(["my-transactions"], async (cursor) => unwrap(await api.GET("/v1/me/transactions", { params: { query: { limit: 50, cursor } } })));
  return (
    <>
      <PageHeader title="Transactions">Money that moved for your wallets, from the chain: funding, releases, refunds, fees, transfers.</PageHeader>
      <Card title="History" id="transactions">
        <QueryState query={{ ...query, data: items }} isEmpty={(d) => d.length === 0} empty="No transaction yet." loadingLabel="Loading transactions">
          {(list) => (
            <>
              <ul className="divide-y divide-border text-sm">
                {list.map((t) => (
                  <li key={`${t.chain_id}-${t.tx_hash}-${t.log_index}`} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2" data-testid="transaction-row">
                    <span className="font-medium">{humanState(t.type)}</span>
                    <Amount value={t.amount} decimals={t.decimals} symbol={t.symbol ?? "native"} />
                    <span className="text-muted">{t.chain} · wallet <span className="font-mono">{shortAddress(t.wallet)}</span> · {formatDate(t.block_time)}</span>
                    {t.explorer_url ? <a href={t.explorer_url} className="font-mono text-xs text-primary underline">{t.tx_hash.slice(0, 10)}…</a>
                      : <span className="font-mono text-xs text-muted">{t.tx_hash.slice(0, 10)}…</span>}
                    <span className="ml-auto"><ConfirmationBadge confirmed={t.confirmed} /></span>
                  </li>
                ))}
              </ul>
              <LoadMore query={query} />
            </>
          )}
        </QueryState>
      </Card>
    </>
  );
}

export default function TransactionsPage() {
  return <RequireSignIn><Transactions /></RequireSignIn>;
}
