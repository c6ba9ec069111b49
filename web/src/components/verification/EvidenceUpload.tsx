"use client";

import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { TextArea } from "@/components/ui/Field";
import { ErrorAlert } from "@/components/ui/States";
import { useUploadEvidence, type Verification } from "@/hooks/useVerification";
import { formatBytes } from "@/lib/verification/methods";

/**
 * An open evidence verification: the upload intent (declared type and size, the server's limit), the file
 * (the one chosen when starting, or chosen again after a reload), a note for the reviewer, then upload and
 * submit. A file that does not match the intent is refused here before any byte is sent.
 */
export function EvidenceUpload({ verification, initialFile }: { verification: Verification; initialFile: File | null }) {
  const intent = verification.upload;
  const [file, setFile] = useState<File | null>(initialFile);
  const [note, setNote] = useState("");
  const send = useUploadEvidence(verification);
  const uploaded = verification.evidence_sha256 != null;
  const mismatch = !uploaded && file !== null && intent != null && (file.size !== intent.size || (file.type || "application/octet-stream") !== intent.content_type);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    send.mutate({ file, note });
  };
  return (
    <form className="space-y-3" onSubmit={submit}>
      {intent ? (
        <p className="text-sm" data-testid="upload-intent">
          Upload intent: <span className="font-mono">{intent.content_type}</span>, {formatBytes(intent.size)} (limit {formatBytes(intent.max_bytes)}).
        </p>
      ) : null}
      {uploaded ? <p className="text-sm text-muted">File uploaded (sha-256 <span className="font-mono">{verification.evidence_sha256?.slice(0, 12)}…</span>).</p> : (
        <div className="space-y-1">
          <label htmlFor="evidence-file" className="block text-sm font-medium">File to upload</label>
          <input id="evidence-file" type="file" className="block text-sm" accept={intent?.content_type}
                 onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          <p className="text-xs text-muted">{file ? `${file.name}, ${formatBytes(file.size)}` : "No file chosen."}</p>
          {mismatch ? <p className="text-sm text-danger" role="alert">This file is not the declared type and size; choose that file or start again.</p> : null}
        </div>
      )}
      <TextArea id="evidence-note" label="Note for the reviewer (optional)" value={note} rows={3} maxLength={2000}
                onChange={(e) => setNote(e.target.value)} />
      <Button type="submit" disabled={send.isPending || mismatch || (!uploaded && file === null)}>
        {uploaded ? "Submit for review" : "Upload and submit"}
      </Button>
      {send.error ? <ErrorAlert error={send.error} title="Could not upload" /> : null}
    </form>
  );
}
