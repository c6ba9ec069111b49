"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";

import { Card } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { ConfirmationBadge } from "@/components/ui/StatusBadge";
import { api, unwrap } from "@/lib/api/client";
import { shortAddress } from "@/lib/money";
import { DownloadPackage } from "./DownloadPackage";

export function unixDate(seconds: number): string {
  return seconds > 0 ? new Date(seconds * 1000).toISOString().slice(0, 10) : "—";
}

/** Attestations about a wallet; offchain ones export as EAS packages anyone can verify. */
export function AttestationList({ address }: { address: string }) {
  const page = useQuery({
    queryKey: ["attestations", address],
    queryFn: async () => unwrap(await api.GET("/v1/attestations", { params: { query: { recipient: address, limit: 50 } } })),
  });
  return (
    <Card title="Attestations" id="attestations">
      <QueryState query={page} rows={3} loadingLabel="Loading attestations" isEmpty={(d) => d.items.length === 0}
                  empty="No attestation about this wallet yet: reviews and verified skills are attested with EAS.">
        {(data) => (
          <ul className="divide-y divide-border text-sm">
            {data.items.map((a) => (
              <li key={a.uid} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2" data-testid="attestation-row">
                <span className="font-medium">{a.schema_key ?? "attestation"}</span>
                <span className="text-muted">{a.kind}</span>
                <span className="text-muted">by <span className="font-mono">{shortAddress(a.attester)}</span> on {unixDate(a.time)}</span>
                {a.revoked ? <span className="text-danger-ink">revoked</span> : null}
                {a.confirmed != null ? <ConfirmationBadge confirmed={a.confirmed} /> : null}
                <span className="ml-auto flex gap-2">
                  <Link className="rounded-md border border-border px-3 py-2 font-medium text-primary hover:bg-canvas"
                        href={`/attestations?uid=${a.uid}`}>Verify anywhere<span className="sr-only"> ({a.uid})</span></Link>
                  {a.kind === "offchain" ? <DownloadPackage uid={a.uid} /> : null}
                </span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}
