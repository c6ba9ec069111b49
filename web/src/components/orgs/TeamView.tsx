"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import type { FormEvent } from "react";

import { ContractRow } from "@/components/contracts/ContractRow";
import { ProjectRow } from "@/components/market/ProjectRow";
import { Amount } from "@/components/ui/Amount";
import { Button } from "@/components/ui/Button";
import { Card, PageHeader } from "@/components/ui/Card";
import { ConfirmButton } from "@/components/ui/ConfirmButton";
import { SelectField, TextField } from "@/components/ui/Field";
import { EmptyState, ErrorAlert, QueryState } from "@/components/ui/States";
import { useChange } from "@/hooks/useChange";
import { useChains } from "@/hooks/useChains";
import { useMyProfile } from "@/hooks/useMyProfile";
import { useSession } from "@/hooks/useSession";
import { api, unwrap } from "@/lib/api/client";
import { localTime } from "@/lib/community";
import { MARKET_DECIMALS } from "@/lib/market/units";
import { canManage, ORG_ROLES, type Org, type OrgRole } from "@/lib/orgs";

function useOrgChange<T, R>(slug: string, run: (arg: T) => Promise<R>, onDone?: () => void) {
  return useChange(run, [["orgs"], ["team", slug]], onDone);
}

function Members({ org, myHandle }: { org: Org; myHandle?: string | null }) {
  const router = useRouter();
  const setRole = useOrgChange(org.slug, async ({ handle, role }: { handle: string; role: OrgRole }) =>
    unwrap(await api.PUT("/v1/orgs/{slug}/members/{handle}", { params: { path: { slug: org.slug, handle } }, body: { role } })));
  const remove = useOrgChange(org.slug, async (handle: string) =>
    unwrap(await api.DELETE("/v1/orgs/{slug}/members/{handle}", { params: { path: { slug: org.slug, handle } } })),
  );
  const owner = org.my_role === "owner";
  return (
    <Card title="Members" id="members">
      <ul className="divide-y divide-border text-sm">
        {org.members.map((m) => {
          const me = m.handle !== null && m.handle === myHandle;
          // Owners change roles and remove anyone; admins remove members; everyone may leave.
          const mayRemove = me || owner || (org.my_role === "admin" && m.role === "member");
          return (
            <li key={m.handle ?? m.joined_at} className="flex flex-wrap items-center gap-2 py-2" data-testid="member-row">
              <span className="font-medium">{m.handle ? `@${m.handle}` : "an account without a handle"}{me ? " (you)" : ""}</span>
              <span className="text-muted">joined {localTime(m.joined_at)}</span>
              <span className="ml-auto flex items-center gap-2">
                {owner && m.handle ? (
                  <SelectField id={`role-${m.handle}`} label={`Role of @${m.handle}`} value={m.role} disabled={setRole.isPending}
                               onChange={(e) => setRole.mutate({ handle: m.handle as string, role: e.target.value as OrgRole })}>
                    {ORG_ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                  </SelectField>
                ) : <span className="rounded-full border border-border px-2 text-xs">{m.role}</span>}
                {mayRemove && m.handle ? (
                  <ConfirmButton small label={me ? "Leave" : "Remove"} confirmLabel={me ? "Leave the organization?" : `Remove @${m.handle}?`}
                                 disabled={remove.isPending}
                                 onConfirm={() => remove.mutate(m.handle as string, { onSuccess: () => { if (me) router.push("/orgs"); } })} />
                ) : null}
              </span>
            </li>
          );
        })}
      </ul>
      {setRole.error ? <ErrorAlert error={setRole.error} title="Could not change the role" /> : null}
      {remove.error ? <ErrorAlert error={remove.error} title="Could not remove" /> : null}
    </Card>
  );
}

function Invite({ org }: { org: Org }) {
  const invite = useOrgChange(org.slug, async (body: { handle: string; role: OrgRole }) =>
    unwrap(await api.POST("/v1/orgs/{slug}/invitations", { params: { path: { slug: org.slug } }, body })));
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    invite.mutate({ handle: String(form.get("handle") ?? "").trim().replace(/^@/, ""), role: String(form.get("role")) as OrgRole },
                  { onSuccess: () => (event.target as HTMLFormElement).reset() });
  }
  // Only owners invite owners: an admin is offered the other roles.
  const roles = org.my_role === "owner" ? ORG_ROLES : ORG_ROLES.filter((r) => r !== "owner");
  return (
    <Card title="Invite someone" id="invite">
      <form onSubmit={submit} className="grid gap-3 sm:grid-cols-[2fr_1fr_auto] sm:items-end" aria-label="Invite someone">
        <TextField id="invite-handle" name="handle" label="Their handle" required maxLength={33} placeholder="@handle" />
        <SelectField id="invite-role" name="role" label="As" defaultValue="member">
          {roles.map((r) => <option key={r} value={r}>{r}</option>)}
        </SelectField>
        <Button type="submit" disabled={invite.isPending}>Invite</Button>
      </form>
      {invite.error ? <ErrorAlert error={invite.error} title="Could not invite" /> : null}
      {invite.data ? <p role="status" className="mt-2 text-sm text-success-ink">Invited @{invite.data.invitee} as {invite.data.role}: they accept on their Organizations page.</p> : null}
    </Card>
  );
}

/** The team view: members and roles, invitations, and the organization's projects, contracts and spend. */
export function TeamView({ slug }: { slug: string }) {
  const session = useSession();
  const profile = useMyProfile();
  const { nameOf, symbolOf } = useChains();
  const team = useQuery({
    queryKey: ["team", slug, session?.sessionId],
    queryFn: async () => unwrap(await api.GET("/v1/orgs/{slug}/team", { params: { path: { slug } } })),
  });
  return (
    <QueryState query={team} loadingLabel="Loading the team">
      {(t) => (
        <>
          <PageHeader title={t.org.name}>@{t.org.slug} · you are {t.org.my_role}</PageHeader>
          <div className="grid gap-gutter xl:grid-cols-2">
            <div className="grid gap-gutter">
              <Members org={t.org} myHandle={profile.data?.handle} />
              {canManage(t.org.my_role) ? <Invite org={t.org} /> : null}
            </div>
            <div className="grid gap-gutter">
              <Card title="Spend" id="spend">
                {t.spend.length === 0 ? <EmptyState>No funded contract yet.</EmptyState> : (
                  <table className="w-full text-sm">
                    <caption className="sr-only">Spend per chain and token</caption>
                    <thead className="text-left text-muted"><tr><th scope="col">Chain</th><th scope="col" className="text-right">Committed</th><th scope="col" className="text-right">Released</th></tr></thead>
                    <tbody>
                      {t.spend.map((s) => (
                        <tr key={`${s.chain_id}-${s.token}`} className="border-t border-border" data-testid="spend-row">
                          <td className="py-1">{nameOf(s.chain_id)}</td>
                          <td className="py-1 text-right"><Amount value={s.committed} decimals={MARKET_DECIMALS} symbol={symbolOf(s.token, s.chain_id)} /></td>
                          <td className="py-1 text-right"><Amount value={s.released} decimals={MARKET_DECIMALS} symbol={symbolOf(s.token, s.chain_id)} /></td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </Card>
              <Card title="Projects" id="org-projects">
                {t.projects.length === 0 ? <EmptyState>No project yet: owners and admins post for the team from New project.</EmptyState>
                  : <ul className="divide-y divide-border">{t.projects.map((p) => <ProjectRow key={p.id} project={p} chainName={nameOf(p.chain_id)} symbol={symbolOf(p.token, p.chain_id)} />)}</ul>}
              </Card>
              <Card title="Contracts" id="org-contracts">
                {t.contracts.length === 0 ? <EmptyState>No contract yet.</EmptyState>
                  : <ul className="divide-y divide-border">{t.contracts.map((c) => <ContractRow key={c.id} contract={c} chainName={nameOf(c.chain_id)} symbol={symbolOf(c.token, c.chain_id)} />)}</ul>}
              </Card>
            </div>
          </div>
        </>
      )}
    </QueryState>
  );
}
