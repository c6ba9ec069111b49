"use client";

import { useQuery } from "@tanstack/react-query";

import { BarChart } from "@/components/ui/BarChart";
import { QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";

const DAYS = 14;

/** The last DAYS UTC days, oldest first, with the API's counts and zero for days it does not list. */
function lastDays(counts: { day: string; requests: number }[]): { day: string; requests: number }[] {
  const byDay = new Map(counts.map((c) => [c.day, c.requests]));
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  return Array.from({ length: DAYS }, (_, i) => {
    const day = new Date(today - (DAYS - 1 - i) * 86_400_000).toISOString().slice(0, 10);
    return { day, requests: byDay.get(day) ?? 0 };
  });
}

/** Requests made with one key per day (UTC), as counted by the API. */
export function KeyUsage({ keyId, name }: { keyId: string; name: string }) {
  const usage = useQuery({
    queryKey: ["api-key-usage", keyId],
    queryFn: async () => unwrap(await api.GET("/v1/me/api-keys/{key_id}/usage", { params: { path: { key_id: keyId } } })),
  });
  return (
    <QueryState query={usage} rows={2} loadingLabel="Loading usage" isEmpty={(d) => d.length === 0}
                empty="No request made with this key yet.">
      {(days) => {
        const shown = lastDays(days);
        const total = shown.reduce((sum, d) => sum + d.requests, 0);
        return (
          <div data-testid="key-usage">
            <BarChart data={shown.map((d) => ({ label: d.day, value: d.requests }))} unit=" requests"
                      caption={`Requests per day (UTC) made with “${name}”, last ${DAYS} days: ${total} in all.`} />
          </div>
        );
      }}
    </QueryState>
  );
}
