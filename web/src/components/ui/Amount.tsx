import { exactAmount, formatAmount } from "@/lib/money";

/** An amount given in base units (decimal string) with its decimals; the exact value on hover. */
export function Amount({ value, decimals, symbol }: { value: string | null | undefined; decimals: number | null | undefined; symbol?: string | null }) {
  if (value == null) return <span className="text-muted">—</span>;
  return (
    <span className="font-mono tabular-nums" title={`${exactAmount(value, decimals)}${symbol ? ` ${symbol}` : ""}`}>
      {formatAmount(value, decimals)}
      {symbol ? <span className="ml-1 font-sans text-muted">{symbol}</span> : null}
    </span>
  );
}
