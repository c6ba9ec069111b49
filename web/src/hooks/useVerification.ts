"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { accessToken, api, unwrap } from "@/lib/api/client";
import { toApiError } from "@/lib/api/problem";
import type { components } from "@/lib/api/schema";

export type Verification = components["schemas"]["VerificationOut"];
export type Method = components["schemas"]["StartIn"]["method"];
export type StartBody = components["schemas"]["StartIn"];
export type SubmitBody = components["schemas"]["SubmitIn"];

// Poll while the sandbox grades a code challenge (seconds) and, slower, while a reviewer decides (days).
const GRADING_POLL_MS = 1_000;
const REVIEW_POLL_MS = 30_000;

export function useVerification(id: string | null) {
  return useQuery({
    queryKey: ["verification", id],
    queryFn: async () => unwrap(await api.GET("/v1/skills/verification/{vid}", { params: { path: { vid: id ?? "" } } })),
    enabled: id !== null,
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      return status === "grading" ? GRADING_POLL_MS : status === "in_review" ? REVIEW_POLL_MS : false;
    },
  });
}

export function useStartVerification() {
  return useMutation({
    mutationFn: async (body: StartBody) => unwrap(await api.POST("/v1/skills/verification/start", { body })),
  });
}

function useSettle(id: string) {
  const client = useQueryClient();
  return (data: Verification) => {
    client.setQueryData(["verification", id], data);
    return client.invalidateQueries({ queryKey: ["dashboard"] });
  };
}

export function useSubmitVerification(id: string) {
  const settle = useSettle(id);
  return useMutation({
    mutationFn: async (body: SubmitBody) =>
      unwrap(await api.POST("/v1/skills/verification/{vid}/submit", { params: { path: { vid: id } }, body })),
    onSuccess: settle,
  });
}

/** The quiz's submission (answers only). */
export function useSubmitQuiz(id: string) {
  const submit = useSubmitVerification(id);
  return { ...submit, mutate: (answers: Record<string, number>) => submit.mutate({ answers }) };
}

/**
 * PUT the evidence file's raw bytes to the upload URL the API gave (declared type and size), then submit
 * it with the note. The upload route takes a raw body, which the generated client does not model, so it
 * is a plain same-origin fetch with the session's token; its errors are the API's problem details.
 */
export function useUploadEvidence(v: Verification) {
  const settle = useSettle(v.id);
  return useMutation({
    mutationFn: async ({ file, note }: { file: File | null; note: string }) => {
      if (v.evidence_sha256 == null) {
        if (!file || !v.upload) throw new Error("Choose the file you declared");
        const token = await accessToken();
        const response = await fetch(v.upload.url, {
          method: "PUT", body: file,
          headers: { "Content-Type": v.upload.content_type, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        });
        if (!response.ok) throw toApiError(await response.json().catch(() => null), response);
      }
      return unwrap(await api.POST("/v1/skills/verification/{vid}/submit", {
        params: { path: { vid: v.id } }, body: note.trim() ? { note: note.trim() } : {},
      }));
    },
    onSuccess: settle,
  });
}
