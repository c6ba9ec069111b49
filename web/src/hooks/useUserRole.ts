"use client";

import { useQuery } from "@tanstack/react-query";
import { useCallback, useSyncExternalStore } from "react";

import { api, unwrap } from "@/lib/api/client";
import { useMe } from "./useMe";

export type Role = "freelancer" | "client" | "admin";

const KEY = "lancer.role";
const listeners = new Set<() => void>();
const readChoice = (): Role | null => (typeof window === "undefined" ? null : (window.localStorage.getItem(KEY) as Role | null));

/**
 * Which hat the user wears. `admin` comes from /v1/me; client and freelancer from the escrows the
 * user's wallets are party to (the index is the truth), until the marketplace API stores a profile.
 * A user with both may switch; the choice is remembered in this browser.
 */
export function useUserRole() {
  const me = useMe();
  const wallets = me.data?.wallets.map((w) => w.address) ?? [];
  const parties = useQuery({
    queryKey: ["roles", wallets],
    enabled: wallets.length > 0,
    queryFn: async () => {
      const has = async (side: "client" | "freelancer") => {
        for (const address of wallets) {
          const page = unwrap(await api.GET("/v1/escrows", { params: { query: side === "client" ? { client: address, limit: 1 } : { freelancer: address, limit: 1 } } }));
          if (page.items.length > 0) return true;
        }
        return false;
      };
      const [client, freelancer] = await Promise.all([has("client"), has("freelancer")]);
      return { client, freelancer };
    },
  });
  const chosen = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    readChoice,
    () => null,
  );
  const roles: Role[] = [];
  if (parties.data?.freelancer || !parties.data?.client) roles.push("freelancer");
  if (parties.data?.client) roles.push("client");
  if (me.data?.is_admin) roles.push("admin");
  const role: Role = chosen && roles.includes(chosen) ? chosen : (roles[0] ?? "freelancer");
  const setRole = useCallback((next: Role) => {
    window.localStorage.setItem(KEY, next);
    listeners.forEach((listener) => listener());
  }, []);
  return { role, roles, isAdmin: me.data?.is_admin ?? false, isLoading: me.isPending || parties.isPending, setRole };
}
