"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { SelectField, TextArea, TextField } from "@/components/ui/Field";
import { ErrorAlert } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";

type Profile = components["schemas"]["ProfileOut"];
type Availability = "available" | "limited" | "unavailable";

/** My profile: created by the first save (handle and display name), edited afterwards. */
export function ProfileForm({ profile }: { profile: Profile | null }) {
  const queryClient = useQueryClient();
  const [handle, setHandle] = useState(profile?.handle ?? "");
  const [displayName, setDisplayName] = useState(profile?.display_name ?? "");
  const [bio, setBio] = useState(profile?.bio ?? "");
  const [timeZone, setTimeZone] = useState(profile?.time_zone ?? "UTC");
  const [availability, setAvailability] = useState<Availability>((profile?.availability as Availability | undefined) ?? "available");
  const [freelancer, setFreelancer] = useState(profile ? profile.roles.includes("freelancer") : true);
  const [client, setClient] = useState(profile ? profile.roles.includes("client") : true);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      unwrap(await api.PATCH("/v1/me/profile", { body: {
        handle, display_name: displayName, bio, time_zone: timeZone, availability, is_freelancer: freelancer, is_client: client,
      } }));
      await queryClient.invalidateQueries({ queryKey: ["my-profile"] });
      setSaved(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="space-y-4" onSubmit={(e) => void submit(e)} aria-label="Profile">
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField id="profile-handle" label="Handle" required value={handle} onChange={(e) => setHandle(e.target.value)} hint="Your public address: /profiles/handle" />
        <TextField id="profile-name" label="Display name" required value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
      </div>
      <TextArea id="profile-bio" label="Bio" value={bio} onChange={(e) => setBio(e.target.value)} />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField id="profile-tz" label="Time zone (IANA)" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} />
        <SelectField id="profile-availability" label="Availability" value={availability} onChange={(e) => setAvailability(e.target.value as Availability)}>
          <option value="available">Available</option>
          <option value="limited">Limited</option>
          <option value="unavailable">Unavailable</option>
        </SelectField>
      </div>
      <fieldset className="flex gap-4 text-sm">
        <legend className="mb-1 font-medium">I am here as</legend>
        <label className="inline-flex items-center gap-1"><input type="checkbox" checked={freelancer} onChange={(e) => setFreelancer(e.target.checked)} /> Freelancer</label>
        <label className="inline-flex items-center gap-1"><input type="checkbox" checked={client} onChange={(e) => setClient(e.target.checked)} /> Client</label>
      </fieldset>
      {error ? <ErrorAlert error={error} title="Not saved" /> : null}
      {saved ? <p role="status" className="text-sm text-success-ink">Saved.</p> : null}
      <Button type="submit" disabled={busy}>{profile ? "Save profile" : "Create profile"}</Button>
    </form>
  );
}
