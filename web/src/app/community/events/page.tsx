"use client";

import { EventList } from "@/components/community/EventList";
import { PageHeader } from "@/components/ui/Card";

export default function EventsPage() {
  return (
    <>
      <PageHeader title="Events">Meet-ups, office hours and workshops. RSVP, and add them to your calendar.</PageHeader>
      <EventList />
    </>
  );
}
