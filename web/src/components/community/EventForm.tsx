"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ConfirmButton } from "@/components/ui/ConfirmButton";
import { TextArea, TextField } from "@/components/ui/Field";
import { ErrorAlert } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import type { CommunityEvent } from "@/lib/community";

type EventBody = { title: string; description: string; starts_at: string; ends_at: string; link: string | null; capacity: number | null };

/** An instant as a `datetime-local` value, in the browser's zone (the input has no zone of its own). */
function toLocalInput(iso: string): string {
  const date = new Date(iso);
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

/** A `datetime-local` value read in the browser's zone, as the UTC instant the API stores. */
const fromLocalInput = (value: string): string => new Date(value).toISOString();

function readForm(form: FormData): EventBody {
  const text = (name: string) => String(form.get(name) ?? "").trim();
  return {
    title: text("title"), description: text("description"),
    starts_at: fromLocalInput(text("starts")), ends_at: fromLocalInput(text("ends")),
    link: text("link") || null, capacity: text("capacity") ? Number(text("capacity")) : null,
  };
}

/** Create an event, or change one (moderators): times typed in the viewer's zone, sent in UTC. */
export function EventForm({ event, onDone }: { event?: CommunityEvent; onDone: () => void }) {
  const queryClient = useQueryClient();
  const key = event?.id ?? "new";
  const save = useMutation({
    mutationFn: async (body: EventBody) => event
      ? unwrap(await api.PATCH("/v1/community/events/{event_id}", { params: { path: { event_id: event.id } }, body }))
      : unwrap(await api.POST("/v1/community/events", { body })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["community", "events"] });
      onDone();
    },
  });
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    save.mutate(readForm(new FormData(e.currentTarget)));
  }
  return (
    <form onSubmit={submit} className="grid gap-3 sm:grid-cols-2" aria-label={event ? "Edit the event" : "New event"}>
      <div className="sm:col-span-2"><TextField id={`event-title-${key}`} name="title" label="Title" required minLength={3} maxLength={200} defaultValue={event?.title} /></div>
      <TextField id={`event-starts-${key}`} name="starts" type="datetime-local" label="Starts (your time)" required
                 defaultValue={event ? toLocalInput(event.starts_at) : undefined} />
      <TextField id={`event-ends-${key}`} name="ends" type="datetime-local" label="Ends (your time)" required
                 defaultValue={event ? toLocalInput(event.ends_at) : undefined} />
      <TextField id={`event-link-${key}`} name="link" type="url" label="Link (optional)" maxLength={500} defaultValue={event?.link ?? undefined} />
      <TextField id={`event-capacity-${key}`} name="capacity" type="number" min={1} max={1_000_000} label="Places (empty: no limit)"
                 defaultValue={event?.capacity ?? undefined} />
      <div className="sm:col-span-2"><TextArea id={`event-description-${key}`} name="description" label="Description (Markdown)" maxLength={10_000} rows={4} defaultValue={event?.description} /></div>
      {save.error ? <div className="sm:col-span-2"><ErrorAlert error={save.error} title="Could not save the event" /></div> : null}
      <div className="flex gap-2 sm:col-span-2">
        <Button type="submit" disabled={save.isPending}>{save.isPending ? "Saving…" : event ? "Save event" : "Create event"}</Button>
        <Button variant="secondary" onClick={onDone}>Cancel</Button>
      </div>
    </form>
  );
}

/** Edit and delete buttons of one event (moderators); deleting asks twice. */
export function EventAdmin({ event }: { event: CommunityEvent }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE("/v1/community/events/{event_id}", { params: { path: { event_id: event.id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["community", "events"] }),
  });
  return (
    <div className="space-y-2">
      <div className="flex gap-2">
        <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => setEditing(!editing)}>{editing ? "Close editor" : "Edit event"}</Button>
        <ConfirmButton small label="Delete event" confirmLabel="Delete it (RSVPs too)?" disabled={remove.isPending} onConfirm={() => remove.mutate()} />
      </div>
      {remove.error ? <ErrorAlert error={remove.error} title="Could not delete the event" /> : null}
      {editing ? <EventForm event={event} onDone={() => setEditing(false)} /> : null}
    </div>
  );
}
