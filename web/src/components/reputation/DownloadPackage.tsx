"use client";

import { useMutation } from "@tanstack/react-query";

import { Button } from "@/components/ui/Button";
import { api, unwrap } from "@/lib/api/client";
import { saveFile } from "@/lib/download";

/** The offchain attestation as the JSON EAS tools (SDK, easscan) import: verifiable without Lancer. */
export function DownloadPackage({ uid }: { uid: string }) {
  const download = useMutation({
    mutationFn: async () => {
      const pkg = unwrap(await api.GET("/v1/attestations/{uid}/eas", { params: { path: { uid } } }));
      saveFile(`attestation-${uid.slice(0, 10)}.eas.json`, JSON.stringify(pkg, null, 2), "application/json");
    },
  });
  return (
    <Button variant="secondary" onClick={() => download.mutate()} disabled={download.isPending}>
      Download EAS JSON<span className="sr-only"> of {uid}</span>
    </Button>
  );
}
