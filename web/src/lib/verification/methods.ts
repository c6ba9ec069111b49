import type { Method } from "@/hooks/useVerification";

export const METHODS: { value: Method; label: string; hint: string }[] = [
  { value: "quiz", label: "Quiz", hint: "Timed multiple choice, graded at once." },
  { value: "code_challenge", label: "Code challenge", hint: "Write a function; hidden cases run in a sandbox (or send a repository for a reviewer)." },
  { value: "evidence", label: "Evidence upload", hint: "A file (certificate, work sample) a reviewer checks." },
  { value: "github", label: "GitHub proof", hint: "Grant read access to your public GitHub profile; a reviewer checks your repositories." },
];

// The API's defaults (VERIFICATION_EVIDENCE_TYPES / _MAX_BYTES): shown before the upload intent, which
// the server checks against its own settings (413/415 with the allowed values if they differ).
export const EVIDENCE_TYPES: Record<string, string> = {
  "application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG", "text/plain": "plain text", "application/zip": "ZIP",
};
export const EVIDENCE_MAX_BYTES = 10 * 1024 * 1024;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** Key of the attempt a GitHub redirect comes back for: the OAuth state is in the authorize URL. */
export const githubStateKey = (state: string) => `lancer.github-proof.${state}`;
