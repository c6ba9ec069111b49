"use client";

import { useQuery } from "@tanstack/react-query";

import { ContractRow } from "@/components/contracts/ContractRow";
import { InvoiceList } from "@/components/contracts/InvoiceList";
import { Card, PageHeader } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { useChains } from "@/hooks/useChains";
import { api, unwrap } from "@/lib/api/client";

function Contracts() {
  const { nameOf, symbolOf } = useChains();
  const contracts = useQuery({ queryKey: ["contracts"], queryFn: async () => unwrap(await api.GET("/v1/contracts")) });
  return (
    <>
      <PageHeader title="Contracts">Hires and their escrows; the state follows the chain.</PageHeader>
      <div className="grid gap-gutter xl:grid-cols-2">
        <Card title="Your contracts" id="contracts">
          <QueryState query={contracts} isEmpty={(d) => d.items.length === 0} empty="No contract yet: accept a proposal, or get hired." loadingLabel="Loading contracts">
            {(data) => <ul className="divide-y divide-border">{data.items.map((c) => <ContractRow key={c.id} contract={c} chainName={nameOf(c.chain_id)} symbol={symbolOf(c.token, c.chain_id)} />)}</ul>}
          </QueryState>
        </Card>
        <Card title="Invoices" id="invoices"><InvoiceList /></Card>
      </div>
    </>
  );
}

export default function ContractsPage() {
  return <RequireSignIn><Contracts /></RequireSignIn>;
}
