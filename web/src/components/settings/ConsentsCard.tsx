"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { SelectField, TextField } from "@/components/ui/Field";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";
import { formatDate } from "@/lib/market/format";

type Document = components["schemas"]["ConsentIn"]["document"];

/** The legal documents this account accepted (which version, when, from where), and accepting a new version. */
export function ConsentsCard() {
  const queryClient = useQueryClient();
  const consents = useQuery({ queryKey: ["consents"], queryFn: async () => unwrap(await api.GET("/v1/me/consents")) });
  const [document, setDocument] = useState<Document>("terms");
  const [version, setVersion] = useState("");
  const accept = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/me/consents", { body: { document, version } })),
    onSuccess: () => { setVersion(""); void queryClient.invalidateQueries({ queryKey: ["consents"] }); },
  });
  return (
    <Card title="Consents" id="consents">
      <div className="space-y-4 text-sm">
        <QueryState query={consents} rows={2} loadingLabel="Loading consents" isEmpty={(d) => d.length === 0} empty="No consent recorded yet.">
          {(list) => (
            <table className="w-full">
              <caption className="sr-only">Documents accepted</caption>
              <thead className="text-left text-muted"><tr><th scope="col" className="pr-3">Document</th><th scope="col" className="pr-3">Version</th>
                <th scope="col" className="pr-3">Accepted</th><th scope="col">From</th></tr></thead>
              <tbody>
                {list.map((c) => (
                  <tr key={c.id} className="border-t border-border" data-testid="consent-row">
                    <td className="py-1 pr-3">{c.document}</td><td className="py-1 pr-3 font-mono">{c.version}</td>
                    <td className="py-1 pr-3">{formatDate(c.accepted_at)}</td><td className="py-1 text-muted">{c.ip}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryState>
        <form className="flex flex-wrap items-end gap-3" onSubmit={(e) => { e.preventDefault(); accept.mutate(); }} aria-label="Accept a document">
          <div className="w-40">
            <SelectField id="consent-document" label="Document" value={document} onChange={(e) => setDocument(e.target.value as Document)}>
              <option value="terms">Terms of service</option><option value="privacy">Privacy policy</option>
            </SelectField>
          </div>
          <div className="w-48"><TextField id="consent-version" label="Version" value={version} onChange={(e) => setVersion(e.target.value.trim())}
                                            required maxLength={64} pattern="[A-Za-z0-9._\-]+" placeholder="2026-11-01" /></div>
          <Button type="submit" disabled={accept.isPending || version === ""}>I accept this version</Button>
        </form>
        {accept.error ? <ErrorAlert error={accept.error} title="Could not record the consent" /> : null}
      </div>
    </Card>
  );
}
