"use client";

import { FaqSearch } from "@/components/support/FaqSearch";
import { NewTicket, TicketList } from "@/components/support/Tickets";
import { Card, PageHeader } from "@/components/ui/Card";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";

export default function SupportPage() {
  return (
    <>
      <PageHeader title="Support">Search the FAQ, ask the assistant (the Help button), or open a ticket.</PageHeader>
      <div className="grid gap-gutter xl:grid-cols-2">
        <Card title="Frequently asked questions" id="faq"><FaqSearch /></Card>
        <RequireSignIn>
          <div className="grid gap-gutter">
            <Card title="My tickets" id="tickets"><TicketList /></Card>
            <Card title="Open a ticket" id="new-ticket"><NewTicket /></Card>
          </div>
        </RequireSignIn>
      </div>
    </>
  );
}
