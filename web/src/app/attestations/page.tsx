"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";

import { unixDate } from "@/components/reputation/AttestationList";
import { DownloadPackage } from "@/components/reputation/DownloadPackage";
import { Verdict } from "@/components/reputation/Verdict";
import { Button } from "@/components/ui/Button";
import { Card, PageHeader } from "@/components/ui/Card";
import { TextArea, TextField } from "@/components/ui/Field";
import { SkeletonRows } from "@/components/ui/Skeleton";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";

type VerifyIn = components["schemas"]["VerifyIn"];

/** One attestation by UID: public, so this page's address is a link anyone can check without an account. */
function Lookup({ uid }: { uid: string }) {
  const att = useQuery({
    queryKey: ["attestation", uid],
    queryFn: async () => unwrap(await api.GET("/v1/attestations/{uid}", { params: { path: { uid } } })),
  });
  const verify = useMutation({
    mutationFn: async () => {
      const pkg = unwrap(await api.GET("/v1/attestations/{uid}/eas", { params: { path: { uid } } }));
      return unwrap(await api.POST("/v1/attestations/verify", { body: pkg }));
    },
  });
  return (
    <Card title="Attestation" id="attestation">
      <QueryState query={att} rows={4} loadingLabel="Loading the attestation">
        {(a) => (
          <div className="space-y-3 text-sm" data-testid="attestation">
            <dl className="grid gap-x-4 gap-y-1 sm:grid-cols-[10rem_1fr]">
              <dt className="text-muted">UID</dt><dd className="break-all font-mono">{a.uid}</dd>
              <dt className="text-muted">Kind</dt><dd>{a.kind}{a.schema_key ? ` · ${a.schema_key}` : ""}</dd>
              <dt className="text-muted">Attester</dt><dd className="break-all font-mono">{a.attester}</dd>
              <dt className="text-muted">Recipient</dt><dd className="break-all font-mono">{a.recipient}</dd>
              <dt className="text-muted">Issued</dt><dd>{unixDate(a.time)} on chain {a.chain_id}</dd>
              <dt className="text-muted">Revoked</dt><dd>{a.revoked ? "yes" : "no"}</dd>
            </dl>
            {a.decoded ? <pre className="overflow-auto rounded-md bg-canvas p-2 font-mono text-xs">{JSON.stringify(a.decoded, null, 2)}</pre> : null}
            {a.kind === "offchain" ? (
              <div className="flex flex-wrap gap-2">
                <Button onClick={() => verify.mutate()} disabled={verify.isPending}>Verify the signature</Button>
                <DownloadPackage uid={a.uid} />
              </div>
            ) : null}
            {verify.data ? <Verdict result={verify.data} /> : null}
            {verify.error ? <ErrorAlert error={verify.error} title="Could not verify" /> : null}
          </div>
        )}
      </QueryState>
    </Card>
  );
}

function parsePackage(text: string): VerifyIn {
  const value: unknown = JSON.parse(text);
  if (!value || typeof value !== "object" || !("sig" in value) || !("signer" in value)) {
    throw new Error("Expected an EAS offchain attestation package: an object with “sig” and “signer”.");
  }
  return value as VerifyIn;
}

/** Paste any EAS offchain attestation (from Lancer or elsewhere) and let the API check it. */
function VerifyPackage() {
  const [text, setText] = useState("");
  const verify = useMutation({ mutationFn: async () => unwrap(await api.POST("/v1/attestations/verify", { body: parsePackage(text) })) });
  return (
    <Card title="Verify an attestation package" id="verify">
      <form className="space-y-3" onSubmit={(e) => { e.preventDefault(); verify.mutate(); }} aria-label="Verify an attestation package">
        <TextArea id="package" label="EAS offchain attestation (JSON)" value={text} onChange={(e) => setText(e.target.value)} required
                  hint="The JSON EAS tools export: {&quot;sig&quot;: {…}, &quot;signer&quot;: &quot;0x…&quot;}. The same file verifies with the EAS SDK or easscan, without Lancer." />
        <Button type="submit" disabled={verify.isPending || text.trim() === ""}>Verify</Button>
      </form>
      <div className="mt-3">
        {verify.data ? <Verdict result={verify.data} /> : null}
        {verify.error ? <ErrorAlert error={verify.error} title="Could not verify" /> : null}
      </div>
    </Card>
  );
}

function Attestations() {
  const router = useRouter();
  const uid = useSearchParams().get("uid");
  const [typed, setTyped] = useState("");
  const valid = /^0x[0-9a-fA-F]{64}$/.test(typed);
  return (
    <div className="grid gap-gutter">
      <form className="flex flex-wrap items-end gap-3" aria-label="Find an attestation"
            onSubmit={(e) => { e.preventDefault(); if (valid) router.push(`/attestations?uid=${typed}`); }}>
        <div className="w-full max-w-xl">
          <TextField id="uid" label="Attestation UID" value={typed} onChange={(e) => setTyped(e.target.value.trim())} placeholder="0x…" />
        </div>
        <Button type="submit" disabled={!valid}>Open</Button>
      </form>
      {uid ? <Lookup uid={uid} /> : null}
      <VerifyPackage />
    </div>
  );
}

export default function AttestationsPage() {
  return (
    <>
      <PageHeader title="Attestations">Check a Lancer attestation, or any EAS offchain attestation, from its UID or its exported JSON. No account needed.</PageHeader>
      <Suspense fallback={<SkeletonRows rows={4} />}><Attestations /></Suspense>
    </>
  );
}
