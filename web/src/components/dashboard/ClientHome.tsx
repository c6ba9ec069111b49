"use client";

import { SkeletonRows } from "@/components/ui/Skeleton";
import { QueryState } from "@/components/ui/States";
import { useChains } from "@/hooks/useChains";
import { useClientDashboard } from "@/hooks/useDashboard";
import { ClientInvoicesCard } from "./ClientInvoicesCard";
import { EscrowStatusCard } from "./EscrowStatusCard";
import { OrgsCard } from "./OrgsCard";
import { PipelineCard } from "./PipelineCard";
import { RecommendedCard } from "./RecommendedCard";

export function ClientHome() {
  const dashboard = useClientDashboard();
  // Amounts need the chain registry (names, native symbols): wait for it rather than show "chain 31337".
  const chains = useChains();
  if (chains.isPending) return <SkeletonRows rows={6} label="Loading your dashboard" />;
  return (
    <QueryState query={dashboard} loadingLabel="Loading your dashboard" rows={6}>
      {(d) => (
        <div className="grid gap-gutter xl:grid-cols-2" data-testid="client-home">
          <PipelineCard pipeline={d.pipeline} />
          <RecommendedCard data={d} />
          <EscrowStatusCard escrows={d.escrows} />
          <ClientInvoicesCard invoices={d.invoices} />
          <OrgsCard data={d} />
        </div>
      )}
    </QueryState>
  );
}
