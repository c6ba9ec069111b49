"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { TextArea } from "@/components/ui/Field";
import { ErrorAlert } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";

type Answer = components["schemas"]["BotAnswerOut"];

/** "Did this help?" once per answer, then "talk to a person": a ticket with the question and the answer. */
function AnswerActions({ answer }: { answer: Answer }) {
  const queryClient = useQueryClient();
  const [details, setDetails] = useState("");
  const [escalating, setEscalating] = useState(!answer.answered);
  const feedback = useMutation({
    mutationFn: async (helpful: boolean) => {
      unwrap(await api.POST("/v1/support/chatbot/answers/{answer_id}/feedback", { params: { path: { answer_id: answer.id } }, body: { helpful } }));
      return helpful;
    },
    onSuccess: (helpful) => { if (!helpful) setEscalating(true); },
  });
  const escalate = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/support/chatbot/answers/{answer_id}/escalate", {
      params: { path: { answer_id: answer.id } }, body: { to: "ticket", details: details.trim() || null },
    })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["support", "tickets"] }),
  });
  if (escalate.data) {
    return (
      <p role="status" className="rounded-md border border-success bg-success-tint p-3 text-sm text-success-ink" data-testid="escalated">
        A person will answer. {escalate.data.ticket_id
          ? <Link href={`/support/${escalate.data.ticket_id}`} className="font-semibold underline" data-testid="escalated-ticket">Open your ticket</Link>
          : <>Reference: {escalate.data.provider_ref}</>}
      </p>
    );
  }
  return (
    <div className="space-y-2">
      {answer.answered ? (
        feedback.isSuccess ? <p role="status" className="text-sm text-muted">Thanks for telling us.</p> : (
          <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Did this help?">
            <span className="text-sm font-medium">Did this help?</span>
            <Button variant="secondary" className="px-2 py-1 text-xs" disabled={feedback.isPending} onClick={() => feedback.mutate(true)}>Yes</Button>
            <Button variant="secondary" className="px-2 py-1 text-xs" disabled={feedback.isPending} onClick={() => feedback.mutate(false)}>No</Button>
          </div>
        )
      ) : null}
      {feedback.error ? <ErrorAlert error={feedback.error} title="Could not record that" /> : null}
      {escalating ? (
        <form className="space-y-2" onSubmit={(e) => { e.preventDefault(); escalate.mutate(); }} aria-label="Ask a person">
          <TextArea id={`escalate-${answer.id}`} label="Anything a person should know? (optional)" rows={3} maxLength={5000}
                    value={details} onChange={(e) => setDetails(e.target.value)} />
          <Button type="submit" disabled={escalate.isPending}>{escalate.isPending ? "Creating ticket…" : "Create a ticket"}</Button>
        </form>
      ) : (
        <Button variant="secondary" className="px-2 py-1 text-xs" onClick={() => setEscalating(true)}>Talk to a person</Button>
      )}
      {escalate.error ? <ErrorAlert error={escalate.error} title="Could not escalate" /> : null}
    </div>
  );
}

/** The built-in assistant: answers from the FAQ (the API ranks the articles), then escalation to a ticket. */
export function Chatbot() {
  const [question, setQuestion] = useState("");
  const ask = useMutation({
    mutationFn: async (text: string) => unwrap(await api.POST("/v1/support/chatbot/ask", { body: { question: text } })),
  });
  const answer = ask.data;
  return (
    <div className="space-y-3" data-testid="chatbot">
      <form className="space-y-2" onSubmit={(e) => { e.preventDefault(); ask.mutate(question); }} aria-label="Ask the assistant">
        <TextArea id="chatbot-question" label="Your question" rows={3} required minLength={3} maxLength={1000}
                  value={question} onChange={(e) => setQuestion(e.target.value)} />
        <Button type="submit" disabled={ask.isPending || question.trim().length < 3}>{ask.isPending ? "Looking…" : "Ask"}</Button>
      </form>
      {ask.error ? <ErrorAlert error={ask.error} title="Could not ask" /> : null}
      {answer ? (
        <div className="space-y-3 rounded-md border border-border bg-canvas p-3" aria-live="polite" data-testid="chatbot-answer" key={answer.id}>
          {/* The answer's text repeats the lead article's Markdown source: show the rendered articles instead. */}
          <p className="text-sm">{answer.answered ? "This may help:" : answer.text}</p>
          {answer.articles.map((a) => (
            <article key={a.id} className="rounded-md border border-border bg-surface p-2" data-testid="chatbot-article">
              <h3 className="text-sm font-semibold">{a.question}</h3>
              {/* Rendered and sanitised by the API. */}
              <div className="prose-post text-sm" dangerouslySetInnerHTML={{ __html: a.html }} />
            </article>
          ))}
          <AnswerActions answer={answer} />
        </div>
      ) : null}
    </div>
  );
}
