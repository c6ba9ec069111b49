"use client";

import { useQuery } from "@tanstack/react-query";

import { useSession } from "@/hooks/useSession";
import { api, unwrap } from "@/lib/api/client";
import { ApiError } from "@/lib/api/problem";

/** My profile, or null when I have none yet (a 404: the profile form creates it). */
export function useMyProfile() {
  const session = useSession();
  return useQuery({
    queryKey: ["my-profile"],
    enabled: session !== null,
    queryFn: async () => {
      try {
        return unwrap(await api.GET("/v1/me/profile"));
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
  });
}
