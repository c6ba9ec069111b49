"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { TextField } from "@/components/ui/Field";
import { QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { useIsAgent } from "@/lib/support";
import { FaqArticleAdmin, FaqForm } from "./FaqEditor";

/** The FAQ, searched by the API (ranked, question over answer); every published article without a query. */
export function FaqSearch() {
  const agent = useIsAgent();
  const [writing, setWriting] = useState(false);
  const [q, setQ] = useState<string | undefined>(undefined);
  const faq = useQuery({
    queryKey: ["support", "faq", q],
    queryFn: async () => unwrap(await api.GET("/v1/support/faq", { params: { query: { q, limit: 20 } } })),
  });
  function search(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const text = String(new FormData(event.currentTarget).get("q") ?? "").trim();
    setQ(text.length >= 2 ? text : undefined);
  }
  return (
    <div className="space-y-3">
      <form role="search" aria-label="FAQ" onSubmit={search} className="flex flex-wrap items-end gap-2">
        <div className="min-w-64 flex-1"><TextField id="faq-q" name="q" label="Search the FAQ" placeholder="e.g. release a milestone" /></div>
        <Button type="submit">Search</Button>
        {agent && !writing ? <Button variant="secondary" onClick={() => setWriting(true)}>New article</Button> : null}
      </form>
      {writing ? <FaqForm onDone={() => setWriting(false)} /> : null}
      <QueryState query={faq} isEmpty={(d) => d.length === 0} empty="No article matches." loadingLabel="Loading the FAQ">
        {(list) => (
          <ul className="divide-y divide-border">
            {list.map((a) => (
              <li key={a.id} className="py-2" data-testid="faq-article">
                <details>
                  <summary className="cursor-pointer text-sm font-semibold">{a.question}</summary>
                  <div className="prose-post mt-2 text-sm" dangerouslySetInnerHTML={{ __html: a.html }} />
                  {agent ? <FaqArticleAdmin article={a} /> : null}
                </details>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </div>
  );
}
