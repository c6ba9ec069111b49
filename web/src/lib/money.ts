import { formatUnits } from "viem";

/**
 * Amounts arrive as decimal strings of base units next to their `decimals`. They are turned into
 * text with bigint arithmetic only (viem's formatUnits): a float would silently round large values.
 */
export function formatAmount(baseUnits: string | null | undefined, decimals: number | null | undefined,
                             maxFractionDigits = 6): string {
  if (baseUnits == null || baseUnits === "") return "—";
  if (!/^-?\d+$/.test(baseUnits)) return baseUnits;
  if (decimals == null) return groupThousands(baseUnits);
  const exact = formatUnits(BigInt(baseUnits), decimals);
  const [whole = "0", fraction = ""] = exact.split(".");
  // Truncation (never rounding up) keeps the displayed figure at or below what is held.
  const shown = fraction.slice(0, maxFractionDigits).replace(/0+$/, "");
  const truncated = fraction.length > maxFractionDigits && /[1-9]/.test(fraction.slice(maxFractionDigits));
  return `${groupThousands(whole)}${shown ? `.${shown}` : ""}${truncated ? "…" : ""}`;
}

/** The exact value, for a title attribute next to a truncated one. */
export function exactAmount(baseUnits: string, decimals: number | null | undefined): string {
  if (!/^-?\d+$/.test(baseUnits) || decimals == null) return baseUnits;
  return formatUnits(BigInt(baseUnits), decimals);
}

function groupThousands(integer: string): string {
  const negative = integer.startsWith("-");
  const digits = negative ? integer.slice(1) : integer;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return negative ? `-${grouped}` : grouped;
}

/** Grams of CO2e (integer or decimal strings) as g, kg or t, for people. */
export function formatGrams(grams: string | number): string {
  const value = typeof grams === "number" ? grams : Number(grams);
  if (!Number.isFinite(value)) return String(grams);
  if (Math.abs(value) >= 1_000_000) return `${(value / 1_000_000).toFixed(3)} t`;
  if (Math.abs(value) >= 1_000) return `${(value / 1_000).toFixed(3)} kg`;
  return `${value.toFixed(value % 1 === 0 ? 0 : 3)} g`;
}

export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}
