"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { SelectField, TextField } from "@/components/ui/Field";
import { LoadMore } from "@/components/ui/LoadMore";
import { QueryState } from "@/components/ui/States";
import { StateBadge } from "@/components/ui/StatusBadge";
import { useSession } from "@/hooks/useSession";
import { useKeysetPages } from "@/hooks/useKeysetPages";
import { api, unwrap } from "@/lib/api/client";
import { localTime, useSpaces, type Thread } from "@/lib/community";

const PAGE = 20;
type Filters = { q?: string; tag?: string; space?: string };

function ThreadRow({ thread }: { thread: Thread }) {
  return (
    <li className="space-y-1 py-3" data-testid="thread-row">
      <div className="flex flex-wrap items-center gap-2">
        <Link href={`/community/${thread.id}`} className="font-semibold text-primary underline">{thread.title}</Link>
        {thread.locked ? <span className="text-xs font-medium text-warning-ink"><span aria-hidden="true">🔒</span> locked</span> : null}
        {thread.state !== "published" ? <StateBadge state={thread.state} /> : null}
      </div>
      <p className="text-xs text-muted">
        in {thread.space} · last activity {localTime(thread.last_activity_at)}
        {thread.tags.length ? <> · {thread.tags.map((t) => `#${t}`).join(" ")}</> : null}
      </p>
    </li>
  );
}

/** Threads, most recently active first: full-text search, tag and space filters, keyset "Load more". */
export function ThreadList() {
  const session = useSession();
  const spaces = useSpaces();
  const [filters, setFilters] = useState<Filters>({});
  const { query, items } = useKeysetPages(["community", "threads", filters, session?.sessionId], async (cursor) => unwrap(await api.GET("/v1/community/threads", {
      params: { query: { ...filters, limit: PAGE, cursor } },
    })));

  function search(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim() || undefined;
    setFilters({ q: text("q"), tag: text("tag")?.replace(/^#/, "").toLowerCase(), space: text("space") });
  }

  return (
    <div className="grid gap-gutter">
      <Card title="Find a discussion" action={session ? <Link href="/community/new" className="rounded-md bg-primary px-3 py-2 text-sm font-medium text-primary-fg">New thread</Link> : null}>
        <form role="search" aria-label="Threads" onSubmit={search} className="grid gap-3 sm:grid-cols-[2fr_1fr_1fr_auto] sm:items-end">
          <TextField id="thread-q" name="q" label="Search" placeholder='e.g. escrow "release"' />
          <TextField id="thread-tag" name="tag" label="Tag" placeholder="e.g. solidity" />
          <SelectField id="thread-space" name="space" label="Space" defaultValue="">
            <option value="">All spaces</option>
            {spaces.data?.map((s) => <option key={s.slug} value={s.slug}>{s.name}</option>)}
          </SelectField>
          <Button type="submit">Search</Button>
        </form>
      </Card>
      <Card title="Threads" id="threads">
        <QueryState query={{ ...query, data: items }} isEmpty={(d) => d.length === 0}
                    empty="No thread matches. Start one!" loadingLabel="Loading threads">
          {(list) => (
            <>
              <ul className="divide-y divide-border">{list.map((t) => <ThreadRow key={t.id} thread={t} />)}</ul>
              <LoadMore query={query} />
            </>
          )}
        </QueryState>
      </Card>
    </div>
  );
}
