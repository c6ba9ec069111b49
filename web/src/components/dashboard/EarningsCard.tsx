import { Amount } from "@/components/ui/Amount";
import { Card } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/States";
import { ConfirmationBadge } from "@/components/ui/StatusBadge";
import { useChains } from "@/hooks/useChains";
import type { FreelancerDashboard } from "@/hooks/useDashboard";
import { MARKET_DECIMALS } from "@/lib/market/units";

type Earning = FreelancerDashboard["earnings"][number];
type Total = { chainId: number; token: string; confirmed: boolean; amount: bigint };

/** Sums per chain, token and confirmation: pending money is never added to confirmed money. */
export function totals(earnings: Earning[]): Total[] {
  const map = new Map<string, Total>();
  for (const e of earnings) {
    const key = `${e.chain_id}:${e.token}:${e.confirmed}`;
    const t = map.get(key) ?? { chainId: e.chain_id, token: e.token, confirmed: e.confirmed, amount: 0n };
    t.amount += BigInt(e.amount);
    map.set(key, t);
  }
  return [...map.values()].sort((a, b) => a.chainId - b.chainId || a.token.localeCompare(b.token) || Number(b.confirmed) - Number(a.confirmed));
}

export function EarningsCard({ earnings }: { earnings: Earning[] }) {
  const { nameOf, symbolOf } = useChains();
  const rows = totals(earnings);
  return (
    <Card title="Earnings" id="earnings">
      {rows.length === 0 ? <EmptyState>No released milestone has paid you yet.</EmptyState> : (
        <table className="w-full text-sm">
          <caption className="sr-only">Earnings per chain and token, pending and confirmed apart</caption>
          <thead><tr className="text-left text-muted"><th scope="col">Chain</th><th scope="col">Amount</th><th scope="col">Status</th></tr></thead>
          <tbody>
            {rows.map((t) => (
              <tr key={`${t.chainId}:${t.token}:${t.confirmed}`} data-testid="earning-row" className="border-t border-border">
                <td className="py-1">{nameOf(t.chainId)}</td>
                <td><Amount value={t.amount.toString()} decimals={MARKET_DECIMALS} symbol={symbolOf(t.token, t.chainId)} /></td>
                <td><ConfirmationBadge confirmed={t.confirmed} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
