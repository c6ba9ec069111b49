"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { SelectField, TextField } from "@/components/ui/Field";
import { LoadMore } from "@/components/ui/LoadMore";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { StateBadge } from "@/components/ui/StatusBadge";
import { useChange } from "@/hooks/useChange";
import { useKeysetPages } from "@/hooks/useKeysetPages";
import { useMe } from "@/hooks/useMe";
import { api, unwrap } from "@/lib/api/client";
import { authorLabel, localTime, type Report } from "@/lib/community";

type ReportStatus = Report["status"];
const PAGE = 20;
// What a moderator picks from; the API takes any future instant (or none: until lifted).
const BAN_LENGTHS = [
  { value: "1", label: "1 day" }, { value: "7", label: "7 days" }, { value: "30", label: "30 days" }, { value: "", label: "until lifted" },
];

/** Every moderation action changes what the community pages show. */
function useModerationAction<T, R>(run: (arg: T) => Promise<R>) {
  return useChange(run, [["community"]]);
}

function BanForm({ userId, onDone }: { userId: string; onDone: () => void }) {
  const ban = useModerationAction(async (body: { reason: string; expires_at: string | null }) =>
    unwrap(await api.PUT("/v1/community/moderation/bans/{user_id}", { params: { path: { user_id: userId } }, body })));
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const days = String(form.get("days") ?? "");
    const expires = days ? new Date(Date.now() + Number(days) * 86_400_000).toISOString() : null;
    ban.mutate({ reason: String(form.get("reason") ?? ""), expires_at: expires }, { onSuccess: onDone });
  }
  return (
    <form onSubmit={submit} className="grid gap-2 sm:grid-cols-[2fr_1fr_auto] sm:items-end" aria-label="Ban the author">
      <TextField id={`ban-reason-${userId}`} name="reason" label="Reason (kept in the audit log)" required minLength={3} maxLength={500} />
      <SelectField id={`ban-days-${userId}`} name="days" label="For" defaultValue="7">
        {BAN_LENGTHS.map((b) => <option key={b.value} value={b.value}>{b.label}</option>)}
      </SelectField>
      <Button type="submit" variant="danger" disabled={ban.isPending}>Ban</Button>
      {ban.error ? <div className="sm:col-span-3"><ErrorAlert error={ban.error} title="Could not ban" /></div> : null}
    </form>
  );
}

function ReportRow({ report, meId }: { report: Report; meId?: string }) {
  const [banning, setBanning] = useState(false);
  const post = report.post;
  const settle = useModerationAction(async (status: "resolved" | "dismissed") =>
    unwrap(await api.POST("/v1/community/moderation/reports/{report_id}", { params: { path: { report_id: report.id } }, body: { status } })));
  const hide = useModerationAction(async (action: "hide" | "unhide") =>
    unwrap(await api.POST("/v1/community/moderation/posts/{post_id}/{action}", {
      params: { path: { post_id: report.post_id, action } }, body: { reason: report.reason },
    })));
  const error = settle.error ?? hide.error;
  return (
    <li className="space-y-2 py-4" data-testid="report-row" data-report-id={report.id}>
      <p className="flex flex-wrap items-center gap-2 text-xs text-muted">
        <StateBadge state={report.status} />
        <span>reported {localTime(report.created_at)} by {authorLabel(report.reporter_id, meId)}</span>
        {post ? <Link href={`/community/${post.thread_id}#post-${report.post_id}`} className="text-primary underline">open in the thread</Link> : null}
      </p>
      <p className="text-sm"><span className="font-medium">Reason:</span> {report.reason}</p>
      {post ? (
        <blockquote className="rounded-md border border-border bg-canvas p-3">
          <p className="mb-1 flex items-center gap-2 text-xs text-muted">
            post by {authorLabel(post.author_id, meId)} {post.state !== "published" ? <StateBadge state={post.state} /> : null}
          </p>
          {/* Rendered and sanitised by the API (markdown-it + nh3 allow-list). */}
          <div className="prose-post text-sm" data-testid="reported-html" dangerouslySetInnerHTML={{ __html: post.html }} />
        </blockquote>
      ) : <p className="text-sm text-muted">The post was deleted.</p>}
      <div className="flex flex-wrap gap-2">
        {post ? (
          <Button variant="secondary" className="px-2 py-1 text-xs" disabled={hide.isPending}
                  onClick={() => hide.mutate(post.state === "hidden" ? "unhide" : "hide")}>
            {post.state === "hidden" ? "Unhide post" : "Hide post"}
          </Button>
        ) : null}
        {report.status === "open" ? (
          <>
            <Button className="px-2 py-1 text-xs" disabled={settle.isPending} onClick={() => settle.mutate("resolved")}>Resolve</Button>
            <Button variant="secondary" className="px-2 py-1 text-xs" disabled={settle.isPending} onClick={() => settle.mutate("dismissed")}>Dismiss</Button>
          </>
        ) : null}
        {post?.author_id && post.author_id !== meId ? (
          <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => setBanning(!banning)}>{banning ? "Cancel ban" : "Ban the author…"}</Button>
        ) : null}
      </div>
      {banning && post?.author_id ? <BanForm userId={post.author_id} onDone={() => setBanning(false)} /> : null}
      {error ? <ErrorAlert error={error} title="Could not moderate" /> : null}
    </li>
  );
}

/** Reports by status, oldest first, each with the reported post, so a moderator decides without leaving. */
export function ReportQueue() {
  const me = useMe();
  const [status, setStatus] = useState<ReportStatus>("open");
  const { query, items } = useKeysetPages(["community", "reports", status], async (cursor) =>
    unwrap(await api.GET("/v1/community/moderation/reports", { params: { query: { status, limit: PAGE, cursor } } })));
  return (
    <Card title="Reports" id="reports" action={
      <SelectField id="report-status" label="Status" value={status} onChange={(e) => setStatus(e.target.value as ReportStatus)}>
        <option value="open">open</option><option value="resolved">resolved</option><option value="dismissed">dismissed</option>
      </SelectField>}>
      <QueryState query={{ ...query, data: items }} isEmpty={(d) => d.length === 0} empty={`No ${status} report.`} loadingLabel="Loading reports">
        {(list) => (
          <>
            <ol className="divide-y divide-border">{list.map((r) => <ReportRow key={r.id} report={r} meId={me.data?.user_id} />)}</ol>
            <LoadMore query={query} />
          </>
        )}
      </QueryState>
    </Card>
  );
}

/** Bans in force, newest first, with who banned and until when; lifting one is audited like the ban. */
export function BanList() {
  const me = useMe();
  const { query, items } = useKeysetPages(["community", "bans"], async (cursor) =>
    unwrap(await api.GET("/v1/community/moderation/bans", { params: { query: { limit: PAGE, cursor } } })));
  const lift = useModerationAction(async (userId: string) =>
    unwrap(await api.DELETE("/v1/community/moderation/bans/{user_id}", { params: { path: { user_id: userId } } })));
  return (
    <Card title="Bans in force" id="bans">
      <QueryState query={{ ...query, data: items }} isEmpty={(d) => d.length === 0} empty="Nobody is banned." loadingLabel="Loading bans">
        {(list) => (
          <>
            <ul className="divide-y divide-border">
              {list.map((b) => (
                <li key={b.user_id} className="flex flex-wrap items-center gap-2 py-3 text-sm" data-testid="ban-row">
                  <span className="font-medium">{authorLabel(b.user_id, me.data?.user_id)}</span>
                  <span className="text-muted">“{b.reason}” · by {authorLabel(b.banned_by, me.data?.user_id)} · {b.expires_at ? `until ${localTime(b.expires_at)}` : "until lifted"}</span>
                  <Button variant="secondary" className="ml-auto px-2 py-1 text-xs" disabled={lift.isPending} onClick={() => lift.mutate(b.user_id)}>Lift ban</Button>
                </li>
              ))}
            </ul>
            <LoadMore query={query} />
          </>
        )}
      </QueryState>
      {lift.error ? <ErrorAlert error={lift.error} title="Could not lift the ban" /> : null}
    </Card>
  );
}
