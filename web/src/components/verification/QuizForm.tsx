"use client";

import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorAlert } from "@/components/ui/States";
import { useSubmitQuiz, type Verification } from "@/hooks/useVerification";
import { formatDate } from "@/lib/market/format";

type Question = NonNullable<Verification["questions"]>[number];

function QuestionField({ q, value, onChange }: { q: Question; value: number | undefined; onChange: (i: number) => void }) {
  return (
    <fieldset className="rounded-md border border-border p-3" data-testid="quiz-question">
      <legend className="px-1 text-sm font-medium">{q.text}</legend>
      {q.choices.map((choice, i) => (
        <label key={i} className="flex items-center gap-2 text-sm">
          <input type="radio" name={q.id} checked={value === i} onChange={() => onChange(i)} /> {choice}
        </label>
      ))}
    </fieldset>
  );
}

/** The quiz while it is open: one radio group per question, answers sent as the index of the shown choice. */
export function QuizForm({ verification }: { verification: Verification }) {
  const questions = verification.questions ?? [];
  const [answers, setAnswers] = useState<Record<string, number>>({});
  const submit = useSubmitQuiz(verification.id);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit.mutate(answers);
  };
  const complete = questions.every((q) => answers[q.id] !== undefined);
  return (
    <form className="space-y-3" onSubmit={onSubmit}>
      <p className="text-sm text-muted">
        Pass mark {Math.round((verification.pass_mark ?? 0) * 100)}%{verification.expires_at ? `; answer before ${formatDate(verification.expires_at)}` : ""}.
      </p>
      {questions.map((q) => (
        <QuestionField key={q.id} q={q} value={answers[q.id]} onChange={(i) => setAnswers((a) => ({ ...a, [q.id]: i }))} />
      ))}
      <Button type="submit" disabled={!complete || submit.isPending}>Submit answers</Button>
      {submit.error ? <ErrorAlert error={submit.error} title="Could not submit" /> : null}
    </form>
  );
}
