"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { TextField } from "@/components/ui/Field";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { useSession } from "@/hooks/useSession";
import { api, unwrap } from "@/lib/api/client";
import { localTime } from "@/lib/community";
import { useMyOrgs } from "@/lib/orgs";

/** The organizations I belong to, with my role in each. */
export function MyOrgs() {
  const orgs = useMyOrgs();
  return (
    <Card title="My organizations" id="orgs">
      <QueryState query={orgs} isEmpty={(d) => d.length === 0} empty="You belong to no organization: create one for your team." loadingLabel="Loading organizations">
        {(list) => (
          <ul className="divide-y divide-border text-sm">
            {list.map((o) => (
              <li key={o.slug} className="flex flex-wrap items-center gap-2 py-2" data-testid="org-row">
                <Link href={`/orgs/${o.slug}`} className="font-semibold text-primary underline">{o.name}</Link>
                <span className="text-muted">@{o.slug} · you are {o.my_role} · {o.members.length} member{o.members.length === 1 ? "" : "s"}</span>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </Card>
  );
}

export function NewOrg() {
  const queryClient = useQueryClient();
  const [idempotencyKey, setKey] = useState(() => crypto.randomUUID());
  const create = useMutation({
    mutationFn: async (body: { slug: string; name: string }) =>
      unwrap(await api.POST("/v1/orgs", { body, params: { header: { "Idempotency-Key": idempotencyKey } } })),
    onSuccess: async () => {
      setKey(crypto.randomUUID());
      await queryClient.invalidateQueries({ queryKey: ["orgs"] });
    },
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({ slug: String(form.get("slug") ?? "").trim(), name: String(form.get("name") ?? "").trim() },
                  { onSuccess: () => (event.target as HTMLFormElement).reset() });
  }
  return (
    <Card title="Create an organization" id="new-org">
      <form onSubmit={submit} className="space-y-3" aria-label="Create an organization">
        <TextField id="org-name" name="name" label="Name" required maxLength={100} />
        <TextField id="org-slug" name="slug" label="Slug" required minLength={3} maxLength={40} pattern="[a-z0-9][a-z0-9\-]{1,38}[a-z0-9]"
                   hint="3-40 lowercase letters, digits or dashes: the organization's address." />
        {create.error ? <ErrorAlert error={create.error} title="Could not create the organization" /> : null}
        {create.data ? <p role="status" className="text-sm text-success-ink">Created: <Link href={`/orgs/${create.data.slug}`} className="underline">{create.data.name}</Link>. You own it.</p> : null}
        <Button type="submit" disabled={create.isPending}>Create</Button>
      </form>
    </Card>
  );
}

/** Invitations waiting for me; accepting one makes me a member with the role it offers. */
export function MyInvitations() {
  const session = useSession();
  const queryClient = useQueryClient();
  const invitations = useQuery({
    queryKey: ["org-invitations", session?.sessionId],
    queryFn: async () => unwrap(await api.GET("/v1/me/org-invitations")),
  });
  const accept = useMutation({
    mutationFn: async (id: string) => unwrap(await api.POST("/v1/org-invitations/{invitation_id}/accept", { params: { path: { invitation_id: id } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["org-invitations"] });
      await queryClient.invalidateQueries({ queryKey: ["orgs"] });
    },
  });
  return (
    <Card title="Invitations" id="invitations">
      <QueryState query={invitations} isEmpty={(d) => d.length === 0} empty="No invitation is waiting for you." loadingLabel="Loading invitations">
        {(list) => (
          <ul className="divide-y divide-border text-sm">
            {list.map((i) => (
              <li key={i.id} className="flex flex-wrap items-center gap-2 py-2" data-testid="invitation-row">
                <span><span className="font-semibold">@{i.org}</span> invites you as {i.role} · {localTime(i.created_at)}</span>
                <Button className="ml-auto px-2 py-1 text-xs" disabled={accept.isPending} onClick={() => accept.mutate(i.id)}>Accept</Button>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      {accept.error ? <ErrorAlert error={accept.error} title="Could not accept" /> : null}
    </Card>
  );
}
