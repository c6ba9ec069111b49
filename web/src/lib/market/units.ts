import { parseUnits } from "viem";

const ZERO = "0x0000000000000000000000000000000000000000";

/**
 * The marketplace accepts a chain's native coin (the zero address) or LNC, both with 18 decimals
 * (api/kit/tokens.py); the form fields take "native" or "LNC".
 */
export const MARKET_DECIMALS = 18;

export function tokenSymbol(token: string): string {
  return token === ZERO || token === "native" ? "native" : "LNC";
}

export function tokenField(token: string): "native" | "LNC" {
  return token === ZERO || token === "native" ? "native" : "LNC";
}

/**
 * A person's decimal text ("12.5") as a base-unit decimal string, with string arithmetic only (viem's
 * parseUnits): a float would round. Null when the text is not a non-negative amount with at most
 * `decimals` fraction digits.
 */
export function toBaseUnits(text: string, decimals = MARKET_DECIMALS): string | null {
  const value = text.trim();
  const match = /^(\d+)(?:\.(\d*))?$/.exec(value);
  if (!match || (match[2]?.length ?? 0) > decimals) return null;
  return parseUnits(value, decimals).toString();
}

/** Sum of base-unit strings as bigint. Invalid entries count as zero. */
export function sumBaseUnits(values: (string | null | undefined)[]): bigint {
  return values.reduce<bigint>((total, v) => (v && /^\d+$/.test(v) ? total + BigInt(v) : total), BigInt(0));
}
