"use client";

import { useParams } from "next/navigation";

import { TicketView } from "@/components/support/Tickets";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";

export default function TicketPage() {
  const { ticketId } = useParams<{ ticketId: string }>();
  return <RequireSignIn><TicketView ticketId={ticketId} /></RequireSignIn>;
}
