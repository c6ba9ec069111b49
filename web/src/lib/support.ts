"use client";

import { useProbedRole } from "@/hooks/useProbedRole";
import { api } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";

export type Ticket = components["schemas"]["TicketOut"];
export type TicketStatus = Ticket["status"];
export const TICKET_STATUSES: TicketStatus[] = ["open", "pending", "solved"];

/** Support agents are admins and the users an admin named. */
export function useIsAgent(): boolean {
  return useProbedRole("agent", () => api.GET("/v1/support/queue", { params: { query: { limit: 1 } } }));
}

/** A due time that has passed with the thing still not done is a breached SLA. */
export function overdue(dueAt: string, doneAt: string | null | undefined, now = Date.now()): boolean {
  return !doneAt && new Date(dueAt).getTime() < now;
}
