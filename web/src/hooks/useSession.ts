"use client";

import { useSyncExternalStore } from "react";

import { getSession, subscribeSession, type Session } from "@/lib/auth/session";

/** The tab's signed-in session, or null (also during server rendering). */
export function useSession(): Session | null {
  return useSyncExternalStore(subscribeSession, getSession, () => null);
}
