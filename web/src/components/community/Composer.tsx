"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { formatUnits } from "viem";

import { Button } from "@/components/ui/Button";
import { SelectField, TextArea, TextField } from "@/components/ui/Field";
import { ErrorAlert } from "@/components/ui/States";
import { useChains } from "@/hooks/useChains";
import { api, unwrap } from "@/lib/api/client";
import { isTokenGated, parseTags, type Space } from "@/lib/community";

const MARKDOWN_HINT = "Markdown: **bold**, _italic_, `code`, [links](https://…), lists; @handle mentions someone.";

/** What a token-gated space asks, before and after a refused post: the amount in LNC and on which chain. */
export function TokenGateNotice({ space, refused }: { space: Space; refused?: string }) {
  const { nameOf } = useChains();
  if (space.min_balance == null || space.chain_id == null) return null;
  const amount = formatUnits(BigInt(space.min_balance), space.decimals ?? 18);
  return (
    <div role={refused ? "alert" : "note"} data-testid="token-gate"
         className={`rounded-md border p-3 text-sm ${refused ? "border-danger bg-danger-tint text-danger-ink" : "border-warning bg-warning-tint text-warning-ink"}`}>
      <p className="font-semibold">
        <span aria-hidden="true">🔒 </span>
        {refused ? `You need more LNC to post in ${space.name}` : `${space.name} is token-gated`}
      </p>
      <p>Posting here needs at least <strong>{amount} LNC</strong> on {nameOf(space.chain_id)}, confirmed, over your linked wallets.
        Reading is open to everyone.</p>
      {refused ? <p className="mt-1">{refused}</p> : null}
    </div>
  );
}

/** A new thread in a space: title, Markdown body, tags. */
export function ThreadComposer({ spaces }: { spaces: Space[] }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [slug, setSlug] = useState(spaces[0]?.slug ?? "");
  const space = spaces.find((s) => s.slug === slug);
  const create = useMutation({
    mutationFn: async (body: { space: string; title: string; body: string; tags: string[] }) =>
      unwrap(await api.POST("/v1/community/threads", { body })),
    onSuccess: async (thread) => {
      await queryClient.invalidateQueries({ queryKey: ["community", "threads"] });
      router.push(`/community/${thread.id}`);
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const tags = parseTags(String(form.get("tags") ?? ""));
    create.mutate({ space: slug, title: String(form.get("title") ?? ""), body: String(form.get("body") ?? ""), tags });
  }

  const refused = isTokenGated(create.error) ? create.error.detail : undefined;
  return (
    <form onSubmit={submit} className="space-y-4" aria-label="New thread">
      <SelectField id="new-thread-space" label="Space" value={slug} onChange={(e) => { setSlug(e.target.value); create.reset(); }}>
        {spaces.map((s) => <option key={s.slug} value={s.slug}>{s.name}{s.min_balance != null ? " (token-gated)" : ""}</option>)}
      </SelectField>
      {space ? <TokenGateNotice space={space} refused={refused} /> : null}
      <TextField id="new-thread-title" name="title" label="Title" required minLength={3} maxLength={200} />
      <TextArea id="new-thread-body" name="body" label="Message" hint={MARKDOWN_HINT} required maxLength={20_000} rows={8} />
      <TextField id="new-thread-tags" name="tags" label="Tags" hint="Up to 8, separated by spaces or commas (lowercase letters, digits, -)." />
      {create.error && refused === undefined ? <ErrorAlert error={create.error} title="Could not post" /> : null}
      <Button type="submit" disabled={create.isPending || !slug}>{create.isPending ? "Posting…" : "Post thread"}</Button>
    </form>
  );
}

/** A reply to a thread, optionally answering one post. */
export function ReplyComposer({ threadId, replyTo, onDone }: { threadId: string; replyTo?: number; onDone?: () => void }) {
  const queryClient = useQueryClient();
  const [body, setBody] = useState("");
  const reply = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/community/threads/{thread_id}/posts", {
      params: { path: { thread_id: threadId } }, body: { body, reply_to: replyTo ?? null },
    })),
    onSuccess: async () => {
      setBody("");
      await queryClient.invalidateQueries({ queryKey: ["community", "posts", threadId] });
      onDone?.();
    },
  });
  const id = replyTo ? `reply-${replyTo}` : "reply-body";
  return (
    <form onSubmit={(e) => { e.preventDefault(); reply.mutate(); }} className="space-y-3" aria-label={replyTo ? "Reply to this post" : "Reply"}>
      <TextArea id={id} label={replyTo ? "Your answer to this post" : "Your reply"} hint={MARKDOWN_HINT} required
                value={body} onChange={(e) => setBody(e.target.value)} maxLength={20_000} />
      {reply.error ? (isTokenGated(reply.error)
        ? <div role="alert" data-testid="token-gate" className="rounded-md border border-danger bg-danger-tint p-3 text-sm text-danger-ink">
            <p className="font-semibold">You need more LNC to post in this space</p><p>{reply.error.detail}</p>
          </div>
        : <ErrorAlert error={reply.error} title="Could not post" />) : null}
      <Button type="submit" disabled={reply.isPending || body.trim() === ""}>{reply.isPending ? "Posting…" : "Post reply"}</Button>
    </form>
  );
}
