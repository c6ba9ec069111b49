"use client";

import { useQuery } from "@tanstack/react-query";

import { useMe } from "@/hooks/useMe";
import { useSession } from "@/hooks/useSession";

/**
 * Roles a domain grants (community moderator, support agent) are not on /v1/me: the domain owns them. A
 * signed-in non-admin asks for one page that only the role may read; a 403 means no. Admins hold every
 * role. Only for showing the right screens: the API checks every action itself.
 */
export function useProbedRole(role: string, probe: () => Promise<{ response: Response }>): boolean {
  const session = useSession();
  const me = useMe();
  const asked = useQuery({
    queryKey: ["role", role, session?.sessionId],
    enabled: session !== null && me.data !== undefined && !me.data.is_admin,
    retry: false,
    staleTime: 5 * 60_000,
    queryFn: async () => (await probe()).response.ok,
  });
  return session !== null && (me.data?.is_admin === true || asked.data === true);
}
