"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";

export type Verification = components["schemas"]["VerificationOut"];

export function useVerification(id: string | null) {
  return useQuery({
    queryKey: ["verification", id],
    queryFn: async () => unwrap(await api.GET("/v1/skills/verification/{vid}", { params: { path: { vid: id ?? "" } } })),
    enabled: id !== null,
  });
}

export function useStartQuiz() {
  return useMutation({
    mutationFn: async (skill: string) => unwrap(await api.POST("/v1/skills/verification/start", { body: { skill, method: "quiz" } })),
  });
}

export function useSubmitQuiz(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (answers: Record<string, number>) =>
      unwrap(await api.POST("/v1/skills/verification/{vid}/submit", { params: { path: { vid: id } }, body: { answers } })),
    onSuccess: (data) => {
      client.setQueryData(["verification", id], data);
      return client.invalidateQueries({ queryKey: ["dashboard"] });
    },
  });
}
