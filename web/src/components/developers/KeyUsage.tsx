"use client";

import { useQuery } from "@tanstack/react-query";

import { BarChart } from "@/components/ui/BarChart";
import { QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";

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
        const total = days.reduce((sum, d) => sum + d.requests, 0);
        return (
          <div data-testid="key-usage">
            <BarChart data={days.map((d) => ({ label: d.day, value: d.requests }))} unit=" requests"
                      caption={`Requests per day (UTC) made with “${name}”: ${total} in all.`} />
          </div>
        );
      }}
    </QueryState>
  );
}
