"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useParams } from "next/navigation";

import { ChainState } from "@/components/contracts/ChainState";
import { FundEscrow } from "@/components/contracts/FundEscrow";
import { InvoiceList } from "@/components/contracts/InvoiceList";
import { MilestoneTable } from "@/components/contracts/MilestoneTable";
import { ContractChat } from "@/components/messages/ContractChat";
import { Amount } from "@/components/ui/Amount";
import { Card, PageHeader } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { LazyTxRunner } from "@/components/wallet/LazyTxRunner";
import { useChains } from "@/hooks/useChains";
import { api, unwrap } from "@/lib/api/client";
import { prepareAction, type Contract } from "@/lib/market/contracts";
import { days } from "@/lib/market/format";
import { MARKET_DECIMALS } from "@/lib/market/units";

// The state is derived from the index on every read: poll while the page is open.
const POLL_MS = 2_000;

function NextStep({ contract, onSent }: { contract: Contract; onSent: () => void }) {
  if (contract.state === "awaiting_funding" && contract.role === "client") return <FundEscrow contract={contract} onSent={onSent} />;
  if (contract.state === "awaiting_funding") return <p className="text-sm text-muted">Waiting for the client to fund the escrow.</p>;
  if (contract.state === "funded" && contract.role === "freelancer") {
    return <LazyTxRunner label="Accept the escrow" prepare={() => prepareAction(contract.id, "accept")} onDone={onSent} />;
  }
  if (contract.state === "funded") return <p className="text-sm text-muted">Funded: waiting for the freelancer to accept.</p>;
  if (contract.state === "active") return <p className="text-sm text-muted">Active: milestones are submitted and released below.</p>;
  return <p className="text-sm text-muted">Nothing to do now.</p>;
}

function ContractView({ contract }: { contract: Contract }) {
  const queryClient = useQueryClient();
  const { nameOf, symbolOf } = useChains();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["contract", contract.id] });
  const symbol = symbolOf(contract.token, contract.chain_id);
  return (
    <>
      <PageHeader title={contract.role === "client" ? `Contract with ${contract.freelancer ?? "a freelancer"}` : `Contract for ${contract.client ?? "a client"}`}>
        <ChainState contract={contract} />
      </PageHeader>
      <div className="grid gap-gutter xl:grid-cols-2">
        <Card title="Terms">
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-muted">Total</dt><dd><Amount value={contract.total} decimals={MARKET_DECIMALS} symbol={symbol} /></dd>
            <dt className="text-muted">Chain</dt><dd>{nameOf(contract.chain_id)}</dd>
            <dt className="text-muted">Review period</dt><dd>{days(contract.review_period_seconds)}</dd>
            <dt className="text-muted">Freelancer wallet</dt><dd className="break-all font-mono text-xs">{contract.freelancer_address}</dd>
            <dt className="text-muted">Escrow</dt>
            <dd className="break-all font-mono text-xs">
              {contract.escrow?.created ? <Link className="text-primary underline" href={`/escrows/${contract.chain_id}/${contract.escrow.address}`}>{contract.escrow.address}</Link>
                : contract.escrow ? `${contract.escrow.address} (predicted, not created yet)` : "not prepared yet"}
            </dd>
            <dt className="text-muted">Project</dt><dd><Link className="text-primary underline" href={`/projects/${contract.project_id}`}>open the brief</Link></dd>
          </dl>
        </Card>
        <Card title="Next step" id="next-step"><NextStep contract={contract} onSent={refresh} /></Card>
        <Card title="Milestones" id="milestones"><MilestoneTable contract={contract} onSent={refresh} /></Card>
        <Card title="Invoices" id="contract-invoices">
          {contract.escrow?.created ? <InvoiceList escrow={contract.escrow.address} refetchMs={POLL_MS * 2} /> : <p className="text-sm text-muted">Issued when milestones are released.</p>}
        </Card>
        <Card title="Messages" id="messages"><ContractChat contract={contract} /></Card>
      </div>
    </>
  );
}

function ContractPageBody() {
  const { id } = useParams<{ id: string }>();
  const contract = useQuery({
    queryKey: ["contract", id],
    queryFn: async () => unwrap(await api.GET("/v1/contracts/{contract_id}", { params: { path: { contract_id: id } } })),
    refetchInterval: POLL_MS,
  });
  return <QueryState query={contract} loadingLabel="Loading the contract">{(c) => <ContractView contract={c} />}</QueryState>;
}

export default function ContractPage() {
  return <RequireSignIn><ContractPageBody /></RequireSignIn>;
}
