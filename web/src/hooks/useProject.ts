"use client";

import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "@/lib/api/client";
import { useSession } from "./useSession";

export function useProject(id: string) {
  const session = useSession();
  return useQuery({
    queryKey: ["project", id, session?.sessionId],
    queryFn: async () => unwrap(await api.GET("/v1/projects/{project_id}", { params: { path: { project_id: id } } })),
  });
}
