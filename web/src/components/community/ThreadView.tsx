"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ConfirmButton } from "@/components/ui/ConfirmButton";
import { Card, PageHeader } from "@/components/ui/Card";
import { TextField } from "@/components/ui/Field";
import { LoadMore } from "@/components/ui/LoadMore";
import { EmptyState, ErrorAlert, QueryState } from "@/components/ui/States";
import { StateBadge } from "@/components/ui/StatusBadge";
import { LazySignInPanel } from "@/components/wallet/LazySignInPanel";
import { useMe } from "@/hooks/useMe";
import { useSession } from "@/hooks/useSession";
import { useKeysetPages } from "@/hooks/useKeysetPages";
import { api, unwrap } from "@/lib/api/client";
import { authorLabel, localTime, parseTags, useIsModerator, type Thread } from "@/lib/community";
import { ReplyComposer } from "./Composer";
import { PostItem } from "./PostItem";

const PAGE = 50;

function LockButton({ thread }: { thread: Thread }) {
  const queryClient = useQueryClient();
  const action = thread.locked ? "unlock" : "lock";
  const moderate = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/community/moderation/threads/{thread_id}/{action}", {
      params: { path: { thread_id: thread.id, action } }, body: {},
    })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["community"] }),
  });
  return (
    <div className="flex items-center gap-2">
      <Button variant="secondary" disabled={moderate.isPending} onClick={() => moderate.mutate()}>
        {thread.locked ? "Unlock thread" : "Lock thread"}
      </Button>
      {moderate.error ? <ErrorAlert error={moderate.error} title="Could not moderate" /> : null}
    </div>
  );
}

/** Title and tags, for the author or a moderator (the API checks it again). */
function ThreadEditor({ thread, onClose }: { thread: Thread; onClose: () => void }) {
  const queryClient = useQueryClient();
  const edit = useMutation({
    mutationFn: async (body: { title: string; tags: string[] }) =>
      unwrap(await api.PATCH("/v1/community/threads/{thread_id}", { params: { path: { thread_id: thread.id } }, body })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["community"] });
      onClose();
    },
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    edit.mutate({ title: String(form.get("title") ?? ""), tags: parseTags(String(form.get("tags") ?? "")) });
  }
  return (
    <Card title="Edit the thread" id="thread-edit">
      <form className="space-y-3" onSubmit={submit} aria-label="Edit the thread">
        <TextField id="thread-edit-title" name="title" label="Title" required minLength={3} maxLength={200} defaultValue={thread.title} />
        <TextField id="thread-edit-tags" name="tags" label="Tags" defaultValue={thread.tags.join(" ")}
                   hint="Up to 8, separated by spaces or commas." />
        {edit.error ? <ErrorAlert error={edit.error} title="Could not save" /> : null}
        <div className="flex gap-2">
          <Button type="submit" disabled={edit.isPending}>{edit.isPending ? "Saving…" : "Save"}</Button>
          <Button variant="secondary" onClick={onClose}>Cancel</Button>
        </div>
      </form>
    </Card>
  );
}

function DeleteThread({ thread }: { thread: Thread }) {
  const queryClient = useQueryClient();
  const router = useRouter();
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE("/v1/community/threads/{thread_id}", { params: { path: { thread_id: thread.id } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["community"] });
      router.push("/community");
    },
  });
  return (
    <>
      <ConfirmButton label="Delete thread" confirmLabel="Delete it and all its posts?" disabled={remove.isPending} onConfirm={() => remove.mutate()} />
      {remove.error ? <ErrorAlert error={remove.error} title="Could not delete" /> : null}
    </>
  );
}

function Posts({ thread }: { thread: Thread }) {
  const session = useSession();
  const me = useMe();
  const moderator = useIsModerator();
  const { query: posts, items: items } = useKeysetPages(["community", "posts", thread.id, session?.sessionId], async (cursor) => unwrap(await api.GET("/v1/community/threads/{thread_id}/posts", {
      params: { path: { thread_id: thread.id }, query: { limit: PAGE, cursor } },
    })));
  const canReply = !thread.locked || moderator;
  return (
    <>
      <Card title="Discussion" id="posts" action={moderator ? <LockButton thread={thread} /> : null}>
        <QueryState query={{ ...posts, data: items }} isEmpty={(d) => d.length === 0} empty="No post is visible in this thread." loadingLabel="Loading posts">
          {(list) => (
            <>
              <ol className="divide-y divide-border">
                {list.map((post) => (
                  <PostItem key={post.id} post={post} meId={me.data?.user_id} signedIn={session !== null} moderator={moderator}
                            canReply={canReply} answers={post.reply_to ? list.find((p) => p.id === post.reply_to) : undefined} />
                ))}
              </ol>
              <LoadMore query={posts} />
            </>
          )}
        </QueryState>
      </Card>
      <Card title="Reply" id="reply">
        {!session ? <LazySignInPanel />
          : !canReply ? <EmptyState><span aria-hidden="true">🔒 </span>A moderator locked this thread: it takes no new replies.</EmptyState>
          : <ReplyComposer threadId={thread.id} />}
      </Card>
    </>
  );
}

/** A thread: title, tags, state, its posts (the API's sanitised HTML) and the reply composer. */
export function ThreadView({ threadId }: { threadId: string }) {
  const session = useSession();
  const me = useMe();
  const moderator = useIsModerator();
  const [editing, setEditing] = useState(false);
  const thread = useQuery({
    queryKey: ["community", "thread", threadId, session?.sessionId],
    queryFn: async () => unwrap(await api.GET("/v1/community/threads/{thread_id}", { params: { path: { thread_id: threadId } } })),
  });
  return (
    <QueryState query={thread} loadingLabel="Loading the thread">
      {(t) => (
        <>
          <PageHeader title={t.title}>
            <span className="inline-flex flex-wrap items-center gap-2" data-testid="thread-meta">
              in {t.space} · by {authorLabel(t.author_id, me.data?.user_id)} · {localTime(t.created_at)}
              {t.tags.map((tag) => <span key={tag} className="rounded-full bg-primary-tint px-2 text-xs text-primary-hover">#{tag}</span>)}
              {t.locked ? <span className="text-sm font-medium text-warning-ink" data-testid="thread-locked"><span aria-hidden="true">🔒</span> locked</span> : null}
              {t.state !== "published" ? <StateBadge state={t.state === "held" ? "held for review" : t.state} /> : null}
            </span>
          </PageHeader>
          {session && (moderator || (me.data !== undefined && t.author_id === me.data.user_id)) ? (
            <div className="mb-gutter flex flex-wrap gap-2" data-testid="thread-actions">
              <Button variant="secondary" onClick={() => setEditing(!editing)}>{editing ? "Close editor" : "Edit title and tags"}</Button>
              <DeleteThread thread={t} />
            </div>
          ) : null}
          {editing ? <div className="mb-gutter"><ThreadEditor thread={t} onClose={() => setEditing(false)} /></div> : null}
          {t.state === "held" ? (
            <p role="status" className="mb-gutter rounded-md border border-warning bg-warning-tint p-3 text-sm text-warning-ink">
              New accounts&apos; first posts wait for a moderator: only you and the moderators see this thread until then.
            </p>
          ) : null}
          <div className="grid gap-gutter"><Posts thread={t} /></div>
        </>
      )}
    </QueryState>
  );
}
