"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { ConfirmButton } from "@/components/ui/ConfirmButton";
import { TextArea, TextField } from "@/components/ui/Field";
import { ErrorAlert } from "@/components/ui/States";
import { StateBadge } from "@/components/ui/StatusBadge";
import { api, unwrap } from "@/lib/api/client";
import { authorLabel, localTime, REACTIONS, type Emoji, type Post } from "@/lib/community";
import { ReplyComposer } from "./Composer";

function Reactions({ post, signedIn }: { post: Post; signedIn: boolean }) {
  const queryClient = useQueryClient();
  // The API counts reactions but does not say whose: this browser remembers which it added.
  const [mine, setMine] = useState<Set<Emoji>>(new Set());
  const toggle = useMutation({
    mutationFn: async (emoji: Emoji) => {
      const path = { post_id: post.id };
      return mine.has(emoji)
        ? unwrap(await api.DELETE("/v1/community/posts/{post_id}/reactions/{emoji}", { params: { path: { ...path, emoji } } }))
        : unwrap(await api.PUT("/v1/community/posts/{post_id}/reactions", { params: { path }, body: { emoji } }));
    },
    onSuccess: async (_counts, emoji) => {
      setMine((current) => {
        const next = new Set(current);
        if (next.has(emoji)) next.delete(emoji); else next.add(emoji);
        return next;
      });
      await queryClient.invalidateQueries({ queryKey: ["community", "posts", post.thread_id] });
    },
  });
  const shown = REACTIONS.filter((r) => signedIn || (post.reactions[r.emoji] ?? 0) > 0);
  return (
    <div className="flex flex-wrap items-center gap-1" role="group" aria-label="Reactions">
      {shown.map((r) => {
        const count = post.reactions[r.emoji] ?? 0;
        return (
          <button key={r.emoji} type="button" disabled={!signedIn || toggle.isPending} onClick={() => toggle.mutate(r.emoji)}
                  aria-pressed={mine.has(r.emoji)} data-testid={`reaction-${r.emoji}`}
                  aria-label={`${r.label}: ${count}`}
                  className={`rounded-full border px-2 py-0.5 text-xs ${mine.has(r.emoji) ? "border-primary bg-primary-tint" : "border-border bg-surface"} disabled:cursor-default`}>
            <span aria-hidden="true">{r.glyph} {count > 0 ? count : ""}</span>
          </button>
        );
      })}
      {toggle.error ? <ErrorAlert error={toggle.error} title="Could not react" /> : null}
    </div>
  );
}

function ReportForm({ postId, onClose }: { postId: number; onClose: () => void }) {
  const [reason, setReason] = useState("");
  const report = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/community/posts/{post_id}/reports", { params: { path: { post_id: postId } }, body: { reason } })),
  });
  if (report.isSuccess) return <p role="status" className="text-sm text-success-ink">Reported: a moderator will look at it. Thank you.</p>;
  return (
    <form className="flex flex-wrap items-end gap-2" onSubmit={(e) => { e.preventDefault(); report.mutate(); }} aria-label="Report this post">
      <div className="min-w-64 flex-1"><TextField id={`report-${postId}`} label="Why should a moderator look at this?" required minLength={3} maxLength={500}
                                                value={reason} onChange={(e) => setReason(e.target.value)} /></div>
      <Button type="submit" variant="danger" disabled={report.isPending}>Send report</Button>
      <Button variant="secondary" onClick={onClose}>Cancel</Button>
      {report.error ? <ErrorAlert error={report.error} title="Could not report" /> : null}
    </form>
  );
}

function HideButton({ post }: { post: Post }) {
  const queryClient = useQueryClient();
  const action = post.state === "published" ? "hide" : "unhide";
  const moderate = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/community/moderation/posts/{post_id}/{action}", {
      params: { path: { post_id: post.id, action } }, body: {},
    })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["community"] }),
  });
  return (
    <>
      <Button variant="secondary" className="px-2 py-1 text-xs" disabled={moderate.isPending} onClick={() => moderate.mutate()}>
        {action === "hide" ? "Hide" : "Unhide"}
      </Button>
      {moderate.error ? <ErrorAlert error={moderate.error} title="Could not moderate" /> : null}
    </>
  );
}

function EditForm({ post, onClose }: { post: Post; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [body, setBody] = useState(post.body);
  const edit = useMutation({
    mutationFn: async () => unwrap(await api.PATCH("/v1/community/posts/{post_id}", { params: { path: { post_id: post.id } }, body: { body } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["community", "posts", post.thread_id] });
      onClose();
    },
  });
  return (
    <form className="space-y-2" onSubmit={(e) => { e.preventDefault(); edit.mutate(); }} aria-label="Edit this post">
      <TextArea id={`edit-${post.id}`} label="Edit the post (Markdown)" required maxLength={20_000} rows={5}
                value={body} onChange={(e) => setBody(e.target.value)} />
      {edit.error ? <ErrorAlert error={edit.error} title="Could not save" /> : null}
      <div className="flex gap-2">
        <Button type="submit" disabled={edit.isPending || body.trim() === ""}>{edit.isPending ? "Saving…" : "Save"}</Button>
        <Button variant="secondary" onClick={onClose}>Cancel</Button>
      </div>
    </form>
  );
}

/** Delete, after a second click: an opening post takes its thread with it, so the page goes back to the list. */
function DeleteButton({ post }: { post: Post }) {
  const queryClient = useQueryClient();
  const router = useRouter();
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE("/v1/community/posts/{post_id}", { params: { path: { post_id: post.id } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["community"] });
      if (post.is_opening) router.push("/community");
    },
  });
  return (
    <>
      <ConfirmButton small label="Delete" confirmLabel={post.is_opening ? "Delete the whole thread?" : "Really delete?"}
                     disabled={remove.isPending} onConfirm={() => remove.mutate()} />
      {remove.error ? <ErrorAlert error={remove.error} title="Could not delete" /> : null}
    </>
  );
}

/** One post: the API's sanitised HTML, reactions, reply, report, and hide/unhide for moderators. */
export function PostItem({ post, meId, signedIn, moderator, canReply, answers }: {
  post: Post; meId?: string; signedIn: boolean; moderator: boolean; canReply: boolean; answers?: Post;
}) {
  const [panel, setPanel] = useState<"none" | "reply" | "report" | "edit">("none");
  // The API lets the author or a moderator change a post (and checks it again).
  const mayChange = signedIn && (moderator || (meId !== undefined && post.author_id === meId));
  return (
    <li id={`post-${post.id}`} className="space-y-2 py-4" data-testid="post" data-post-id={post.id}>
      <p className="flex flex-wrap items-center gap-2 text-xs text-muted">
        <span className="font-medium text-fg">{authorLabel(post.author_id, meId)}</span>
        <span>· {localTime(post.created_at)}</span>
        {post.edited_at ? <span>· edited</span> : null}
        {answers ? <a href={`#post-${answers.id}`} className="underline">· answering {authorLabel(answers.author_id, meId)}</a> : null}
        {post.state !== "published" ? <StateBadge state={post.state === "held" ? "held for review" : post.state} /> : null}
      </p>
      {/* Rendered and sanitised by the API (markdown-it + nh3 allow-list): shown as given. */}
      {panel === "edit" ? null : <div className="prose-post text-sm" data-testid="post-html" dangerouslySetInnerHTML={{ __html: post.html }} />}
      <div className="flex flex-wrap items-center gap-2">
        <Reactions post={post} signedIn={signedIn} />
        {signedIn && canReply ? <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => setPanel(panel === "reply" ? "none" : "reply")}>Reply</Button> : null}
        {signedIn && post.author_id !== meId ? <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => setPanel(panel === "report" ? "none" : "report")}>Report</Button> : null}
        {mayChange ? <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => setPanel(panel === "edit" ? "none" : "edit")}>Edit</Button> : null}
        {mayChange ? <DeleteButton post={post} /> : null}
        {moderator ? <HideButton post={post} /> : null}
      </div>
      {panel === "edit" ? <EditForm post={post} onClose={() => setPanel("none")} /> : null}
      {panel === "reply" ? <ReplyComposer threadId={post.thread_id} replyTo={post.id} onDone={() => setPanel("none")} /> : null}
      {panel === "report" ? <ReportForm postId={post.id} onClose={() => setPanel("none")} /> : null}
    </li>
  );
}
