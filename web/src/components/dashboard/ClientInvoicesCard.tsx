import { Amount } from "@/components/ui/Amount";
import { Card } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/States";
import { ConfirmationBadge } from "@/components/ui/StatusBadge";
import { useChains } from "@/hooks/useChains";
import type { ClientDashboard } from "@/hooks/useDashboard";
import { formatDate } from "@/lib/market/format";
import { MARKET_DECIMALS } from "@/lib/market/units";

type Invoice = ClientDashboard["invoices"][number];

export function ClientInvoicesCard({ invoices }: { invoices: Invoice[] }) {
  const { nameOf, symbolOf } = useChains();
  return (
    <Card title="Invoices" id="client-invoices">
      {invoices.length === 0 ? <EmptyState>No milestone released yet.</EmptyState> : (
        <table className="w-full text-sm">
          <caption className="sr-only">Released milestones (invoices)</caption>
          <thead><tr className="text-left text-muted"><th scope="col">Milestone</th><th scope="col">Amount</th><th scope="col">Released</th><th scope="col">Status</th></tr></thead>
          <tbody>
            {invoices.map((i) => (
              <tr key={`${i.chain_id}:${i.escrow}:${i.index}`} className="border-t border-border" data-testid="dash-invoice">
                <td className="py-1">{i.index + 1} · <span className="font-mono">{i.escrow.slice(0, 8)}…</span> · {nameOf(i.chain_id)}</td>
                <td><Amount value={i.amount} decimals={MARKET_DECIMALS} symbol={symbolOf(i.token, i.chain_id)} /></td>
                <td>{formatDate(i.released_at)}</td>
                <td><ConfirmationBadge confirmed={i.confirmed} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
