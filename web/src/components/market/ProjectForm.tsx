"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { SelectField, TextArea, TextField } from "@/components/ui/Field";
import { ErrorAlert } from "@/components/ui/States";
import { useChains } from "@/hooks/useChains";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";
import { formatUnits } from "viem";
import { MARKET_DECIMALS, sumBaseUnits, toBaseUnits, tokenField } from "@/lib/market/units";
import { canManage, useMyOrgs } from "@/lib/orgs";
import { MilestonesEditor, milestonesToApi, type MilestoneDraft } from "./MilestonesEditor";
import { SkillPicker } from "./SkillPicker";

type Project = components["schemas"]["ProjectOut"];

const asText = (baseUnits: string) => formatUnits(BigInt(baseUnits), MARKET_DECIMALS);

/** Post a project (a draft) or edit one: title, description, skills, budget on a chain and token, milestones. */
export function ProjectForm({ initial }: { initial?: Project }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const { chains } = useChains();
  const [title, setTitle] = useState(initial?.title ?? "");
  const [description, setDescription] = useState(initial?.description ?? "");
  const [skills, setSkills] = useState<string[]>(initial?.skills ?? []);
  const [chain, setChain] = useState(initial ? String(initial.chain_id) : "");
  const [token, setToken] = useState<"native" | "LNC">(initial ? tokenField(initial.token) : "LNC");
  const [budget, setBudget] = useState(initial ? asText(initial.budget) : "");
  const [visibility, setVisibility] = useState(initial?.visibility ?? "public");
  // Owners and admins of an organization post for it; the organization is fixed once the project exists.
  const postable = (useMyOrgs().data ?? []).filter((o) => canManage(o.my_role));
  const [org, setOrg] = useState("");
  const [milestones, setMilestones] = useState<MilestoneDraft[]>(
    initial?.milestones.length ? initial.milestones.map((m) => ({ title: m.title, amount: asText(m.amount) })) : [{ title: "", amount: "" }]);
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const chainName = chain || String(chains[0]?.chain_id ?? "");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const budgetUnits = toBaseUnits(budget);
    const planned = milestonesToApi(milestones);
    if (budgetUnits === null || budgetUnits === "0") return setError(new Error("The budget must be a positive amount"));
    if (typeof planned === "string") return setError(new Error(planned));
    if (sumBaseUnits(planned.map((m) => m.amount)) !== BigInt(budgetUnits)) {
      return setError(new Error("The milestones must add up to the budget"));
    }
    const body = { title, description, skills, budget: budgetUnits, chain: chainName, token, milestones: planned, visibility };
    const created = { ...body, org: org || null };
    setBusy(true);
    try {
      const project = initial
        ? unwrap(await api.PATCH("/v1/projects/{project_id}", { params: { path: { project_id: initial.id } }, body }))
        : unwrap(await api.POST("/v1/projects", { body: created, params: { header: { "Idempotency-Key": idempotencyKey } } }));
      await queryClient.invalidateQueries({ queryKey: ["project", project.id] });
      router.push(`/projects/${project.id}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return (
    <form className="space-y-4" onSubmit={(e) => void submit(e)}>
      <TextField id="project-title" label="Title" required minLength={3} maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
      <TextArea id="project-description" label="Description" required value={description} onChange={(e) => setDescription(e.target.value)} />
      <SkillPicker value={skills} onChange={setSkills} legend="Required skills" />
      <div className="grid gap-4 sm:grid-cols-3">
        <SelectField id="project-chain" label="Chain" value={chainName} onChange={(e) => setChain(e.target.value)}>
          {chains.map((c) => <option key={c.chain_id} value={String(c.chain_id)}>{c.display_name ?? c.name}</option>)}
        </SelectField>
        <SelectField id="project-token" label="Token" value={token} onChange={(e) => setToken(e.target.value as "native" | "LNC")}>
          <option value="LNC">LNC</option>
          <option value="native">Native coin</option>
        </SelectField>
        <TextField id="project-budget" label={`Budget (${token})`} inputMode="decimal" required value={budget}
                   onChange={(e) => setBudget(e.target.value)} className="font-mono" />
      </div>
      <MilestonesEditor value={milestones} onChange={setMilestones} symbol={token} idPrefix="project-milestone" />
      {!initial && postable.length > 0 ? (
        <SelectField id="project-org" label="Post for" value={org} onChange={(e) => setOrg(e.target.value)}
                     hint="An organization's project is shared with its members and counted in its team view.">
          <option value="">Myself</option>
          {postable.map((o) => <option key={o.slug} value={o.slug}>{o.name} (@{o.slug})</option>)}
        </SelectField>
      ) : null}
      <SelectField id="project-visibility" label="Visibility" value={visibility}
                   onChange={(e) => setVisibility(e.target.value as typeof visibility)}>
        <option value="public">Public</option>
        <option value="invite_only">Invite only</option>
      </SelectField>
      {error ? <ErrorAlert error={error} title="The project was not saved" /> : null}
      <Button type="submit" disabled={busy}>{initial ? "Save changes" : "Save draft"}</Button>
    </form>
  );
}
