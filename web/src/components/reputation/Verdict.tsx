import type { components } from "@/lib/api/schema";

type VerifyOut = components["schemas"]["VerifyOut"];

const STYLE: Record<VerifyOut["verdict"], string> = {
  valid: "border-success bg-success-tint text-success-ink",
  invalid: "border-danger bg-danger-tint text-danger-ink",
  indeterminate: "border-warning bg-warning-tint text-warning-ink",
};

/** The verification result in words (never colour alone), with every problem the checks found. */
export function Verdict({ result }: { result: VerifyOut }) {
  return (
    <div role="status" className={`space-y-1 rounded-md border p-3 text-sm ${STYLE[result.verdict]}`} data-testid="verdict">
      <p className="font-semibold">Verdict: <span data-testid="verdict-word">{result.verdict}</span></p>
      <p>Signer <span className="break-all font-mono">{result.signer}</span> on chain {result.chain_id}
        {result.issued_by_lancer ? " · issued by Lancer" : " · not issued by Lancer"}
        {result.signature_kind ? ` · ${result.signature_kind} signature` : ""}</p>
      <p>Revocation: {result.revocation}{result.revoked ? " (revoked)" : ""}</p>
      {result.schema ? <p className="break-all">Schema: <span className="font-mono">{result.schema.definition}</span></p> : null}
      {result.problems.length > 0 ? <ul className="list-disc pl-5">{result.problems.map((p) => <li key={p}>{p}</li>)}</ul> : null}
    </div>
  );
}
