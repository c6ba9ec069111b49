"use client";

import { useQuery } from "@tanstack/react-query";

import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";

export type FreelancerDashboard = components["schemas"]["FreelancerDashboard"];
export type ClientDashboard = components["schemas"]["ClientDashboard"];

/** The freelancer home's summary; refreshed every minute (the API revalidates it by ETag). */
export function useFreelancerDashboard() {
  return useQuery({
    queryKey: ["dashboard", "freelancer"],
    queryFn: async () => unwrap(await api.GET("/v1/dashboard/freelancer")),
    refetchInterval: 60_000,
  });
}

/** The client home's summary. */
export function useClientDashboard() {
  return useQuery({
    queryKey: ["dashboard", "client"],
    queryFn: async () => unwrap(await api.GET("/v1/dashboard/client")),
    refetchInterval: 60_000,
  });
}
