/** Dates as people read them, in UTC (the API's time zone), without locale surprises in tests. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function humanState(state: string): string {
  return state.replaceAll("_", " ");
}

export function days(seconds: number): string {
  const d = seconds / 86400;
  return d >= 1 && Number.isInteger(d) ? `${d} day${d === 1 ? "" : "s"}` : `${Math.round(seconds / 3600)} h`;
}
