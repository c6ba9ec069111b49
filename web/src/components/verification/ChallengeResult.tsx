import type { Verification } from "@/hooks/useVerification";

/** What the sandbox said about a graded submission. */
export function ChallengeResult({ verification }: { verification: Verification }) {
  const result = verification.result as { outcome?: string; passed_cases?: number; total_cases?: number } | null | undefined;
  if (!result) return null;
  return (
    <p className="text-sm" data-testid="challenge-result" data-outcome={result.outcome}>
      Sandbox: <span className="font-medium">{(result.outcome ?? "").replaceAll("_", " ")}</span>{" "}
      ({result.passed_cases ?? 0} of {result.total_cases ?? 0} hidden cases passed)
    </p>
  );
}
