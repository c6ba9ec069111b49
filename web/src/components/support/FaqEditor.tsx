"use client";

import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ConfirmButton } from "@/components/ui/ConfirmButton";
import { TextArea, TextField } from "@/components/ui/Field";
import { ErrorAlert } from "@/components/ui/States";
import { useChange } from "@/hooks/useChange";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";
import { parseTags } from "@/lib/community";

export type Article = components["schemas"]["ArticleOut"];

function useFaqChange<T, R>(run: (arg: T) => Promise<R>, onDone?: () => void) {
  return useChange(run, [["support", "faq"]], onDone);
}

/** Write or rewrite an FAQ article (agents); the slug names it, so an existing one keeps its slug. */
export function FaqForm({ article, onDone }: { article?: Article; onDone: () => void }) {
  const key = article?.slug ?? "new";
  const save = useFaqChange(async (body: components["schemas"]["ArticleIn"]) => unwrap(await api.PUT("/v1/support/faq", { body })), onDone);
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    save.mutate({ slug: article?.slug ?? text("slug"), question: text("question"), answer: text("answer"),
                  tags: parseTags(text("tags")), published: form.get("published") === "on" });
  }
  return (
    <form onSubmit={submit} className="space-y-3 rounded-md border border-border p-3" aria-label={article ? "Edit the article" : "New article"}>
      {article ? null : <TextField id="faq-slug" name="slug" label="Slug" required minLength={2} maxLength={100} pattern="[a-z0-9][a-z0-9\-]{1,99}"
                                   hint="Lowercase letters, digits and dashes: it names the article's address." />}
      <TextField id={`faq-question-${key}`} name="question" label="Question" required minLength={3} maxLength={300} defaultValue={article?.question} />
      <TextArea id={`faq-answer-${key}`} name="answer" label="Answer (Markdown)" required maxLength={20_000} rows={5} defaultValue={article?.answer} />
      <TextField id={`faq-tags-${key}`} name="tags" label="Tags" defaultValue={article?.tags.join(" ")} hint="Up to 8, separated by spaces or commas." />
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="published" defaultChecked={article?.published ?? true} /> Published (the assistant answers from it)
      </label>
      {save.error ? <ErrorAlert error={save.error} title="Could not save the article" /> : null}
      <div className="flex gap-2">
        <Button type="submit" disabled={save.isPending}>{save.isPending ? "Saving…" : "Save article"}</Button>
        <Button variant="secondary" onClick={onDone}>Cancel</Button>
      </div>
    </form>
  );
}

/** Edit and delete one article (agents); deleting asks twice. */
export function FaqArticleAdmin({ article }: { article: Article }) {
  const [editing, setEditing] = useState(false);
  const remove = useFaqChange(async () => unwrap(await api.DELETE("/v1/support/faq/{slug}", { params: { path: { slug: article.slug } } })));
  return (
    <div className="mt-2 space-y-2">
      <p className="text-xs text-muted">Helped {article.helpful_yes} · did not help {article.helpful_no}</p>
      <div className="flex gap-2">
        <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => setEditing(!editing)}>{editing ? "Close editor" : "Edit article"}</Button>
        <ConfirmButton small label="Delete article" confirmLabel="Delete it?" disabled={remove.isPending} onConfirm={() => remove.mutate(undefined)} />
      </div>
      {remove.error ? <ErrorAlert error={remove.error} title="Could not delete the article" /> : null}
      {editing ? <FaqForm article={article} onDone={() => setEditing(false)} /> : null}
    </div>
  );
}
