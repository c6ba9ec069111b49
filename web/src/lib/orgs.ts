"use client";

import { useQuery } from "@tanstack/react-query";

import { useSession } from "@/hooks/useSession";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";

export type Org = components["schemas"]["OrgOut"];
export type OrgRole = Org["my_role"];
export const ORG_ROLES: OrgRole[] = ["owner", "admin", "member"];

/** Owners and admins post projects and invite for the organization; only owners change roles. */
export const canManage = (role: OrgRole): boolean => role === "owner" || role === "admin";

export function useMyOrgs() {
  const session = useSession();
  return useQuery({
    queryKey: ["orgs", session?.sessionId],
    enabled: session !== null,
    queryFn: async () => unwrap(await api.GET("/v1/orgs")),
  });
}
