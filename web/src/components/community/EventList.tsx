"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { LoadMore } from "@/components/ui/LoadMore";
import { SkeletonRows } from "@/components/ui/Skeleton";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { useSession } from "@/hooks/useSession";
import { useKeysetPages } from "@/hooks/useKeysetPages";
import { api, unwrap } from "@/lib/api/client";
import { localTime, useIsModerator, useTimeZone, type CommunityEvent } from "@/lib/community";
import { EventAdmin, EventForm } from "./EventForm";

const PAGE = 20;
type When = "upcoming" | "past";

function Rsvp({ event }: { event: CommunityEvent }) {
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: async (going: boolean) => {
      const params = { path: { event_id: event.id } };
      return going ? unwrap(await api.PUT("/v1/community/events/{event_id}/rsvp", { params }))
        : unwrap(await api.DELETE("/v1/community/events/{event_id}/rsvp", { params }));
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["community", "events"] }),
  });
  const full = event.capacity != null && event.going >= event.capacity;
  return (
    <div className="flex flex-wrap items-center gap-2">
      {event.me_going ? (
        <>
          <span className="text-sm font-medium text-success-ink" data-testid="rsvp-going"><span aria-hidden="true">✓</span> You are going</span>
          <Button variant="secondary" disabled={change.isPending} onClick={() => change.mutate(false)}>Cancel RSVP</Button>
        </>
      ) : (
        <Button disabled={change.isPending || full} onClick={() => change.mutate(true)}>{full ? "Full" : "RSVP"}</Button>
      )}
      {change.error ? <ErrorAlert error={change.error} title="Could not change your RSVP" /> : null}
    </div>
  );
}

function EventRow({ event, signedIn, past, moderator }: { event: CommunityEvent; signedIn: boolean; past: boolean; moderator: boolean }) {
  const seats = event.capacity == null ? `${event.going} going` : `${event.going} of ${event.capacity} places taken`;
  return (
    <li className="space-y-2 py-4" data-testid="event-row" data-event-id={event.id}>
      <h3 className="font-semibold">{event.title}</h3>
      <p className="text-sm">
        <time dateTime={event.starts_at} data-testid="event-start">{localTime(event.starts_at)}</time>
        {" – "}
        <time dateTime={event.ends_at}>{localTime(event.ends_at)}</time>
      </p>
      <p className="text-sm text-muted" data-testid="event-capacity">{seats}</p>
      {event.html ? <div className="prose-post text-sm" dangerouslySetInnerHTML={{ __html: event.html }} /> : null}
      {event.link ? <p className="text-sm"><a href={event.link} rel="nofollow noopener noreferrer" className="text-primary underline">Event link</a></p> : null}
      <div className="flex flex-wrap items-center gap-2">
        {signedIn && !past ? <Rsvp event={event} /> : null}
        {/* Same origin (proxied to the API), public: the browser downloads the RFC 5545 file itself. */}
        <a href={`/v1/community/events/${event.id}/ics`} download={`lancer-event-${event.id.slice(0, 8)}.ics`}
           className="rounded-md border border-border bg-surface px-3 py-2 text-sm font-medium hover:bg-canvas">
          Add to calendar<span className="sr-only"> ({event.title}, .ics)</span>
        </a>
      </div>
      {moderator ? <EventAdmin event={event} /> : null}
    </li>
  );
}

function Events({ when, tz }: { when: When; tz: string }) {
  const session = useSession();
  const moderator = useIsModerator();
  const { query, items } = useKeysetPages(["community", "events", when, tz, session?.sessionId], async (cursor) => unwrap(await api.GET("/v1/community/events", {
      params: { query: { when, tz, limit: PAGE, cursor } },
    })));
  return (
    <QueryState query={{ ...query, data: items }} isEmpty={(d) => d.length === 0}
                empty={when === "upcoming" ? "No upcoming event." : "No past event."} loadingLabel="Loading events">
      {(list) => (
        <>
          <ul className="divide-y divide-border">{list.map((e) => <EventRow key={e.id} event={e} signedIn={session !== null} past={when === "past"} moderator={moderator} />)}</ul>
          <LoadMore query={query} />
        </>
      )}
    </QueryState>
  );
}

/** Upcoming and past events, times in the viewer's time zone, RSVP with capacity, .ics download. */
export function EventList() {
  const [when, setWhen] = useState<When>("upcoming");
  const tz = useTimeZone();
  const moderator = useIsModerator();
  const [creating, setCreating] = useState(false);
  const tabs: { id: When; label: string }[] = [{ id: "upcoming", label: "Upcoming" }, { id: "past", label: "Past" }];
  return (
    <Card title="Events" id="events" action={moderator && !creating ? <Button onClick={() => setCreating(true)}>New event</Button> : null}>
      {creating ? <div className="mb-4 rounded-md border border-border p-3"><EventForm onDone={() => setCreating(false)} /></div> : null}
      <p className="mb-3 text-sm text-muted">Times are shown in your time zone ({tz ?? "…"}).</p>
      <div className="mb-3 flex gap-2" role="group" aria-label="Which events">
        {tabs.map((t) => (
          <Button key={t.id} variant={when === t.id ? "primary" : "secondary"} aria-pressed={when === t.id} onClick={() => setWhen(t.id)}>{t.label}</Button>
        ))}
      </div>
      {tz ? <Events when={when} tz={tz} /> : <SkeletonRows label="Loading events" />}
    </Card>
  );
}
