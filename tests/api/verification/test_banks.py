"""Every committed question bank and code challenge is well formed, and every challenge is solvable:
its reference solution passes its hidden cases in the real sandbox and a near miss fails them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from api.verification import banks
from api.verification.sandbox import Case, Limits, run
from tests.api.verification.challenge_solutions import REFERENCE, WRONG

TAXONOMY = {s["slug"] for s in json.loads((Path(banks.HERE).parent / "skills" / "taxonomy.json").read_text())}
# Generous wall time: the machine running the suite may be busy; CPU time stays the default.
LIMITS = Limits(wall_seconds=30.0)


def test_there_are_banks_for_many_skills_all_of_the_taxonomy() -> None:
    assert len(banks.quizzes()) >= 10 and len(banks.challenges()) >= 6
    assert set(banks.quizzes()) <= TAXONOMY and set(banks.challenges()) <= TAXONOMY


@pytest.mark.parametrize("slug", sorted(banks.quizzes()))
def test_question_bank_shape_and_answer_key(slug: str) -> None:
    bank = banks.quiz_for(slug)
    questions = bank["questions"]
    assert 1 <= int(bank["level"]) <= 5 and 0 < float(bank["pass_mark"]) <= 1 and int(bank["time_limit_seconds"]) > 0
    # More questions than an attempt shows, so attempts differ.
    assert 0 < int(bank["questions_per_attempt"]) < len(questions)
    assert len({q["id"] for q in questions}) == len(questions)
    assert len({q["text"].strip().lower() for q in questions}) == len(questions)
    for q in questions:
        assert set(q) == {"id", "text", "choices", "answer"}, q["id"]
        assert len(q["choices"]) >= 3 and len(set(q["choices"])) == len(q["choices"]), q["id"]
        assert q["choices"].count(q["answer"]) == 1, q["id"]


def test_question_ids_are_unique_across_banks() -> None:
    ids = [q["id"] for b in banks.quizzes().values() for q in b["questions"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("slug", sorted(banks.quizzes()))
def test_the_answer_key_grades_a_drawn_attempt_full_and_a_wrong_one_zero(slug: str) -> None:
    bank = banks.quiz_for(slug)
    shown = banks.draw_quiz(bank)
    key = {q["id"]: q["answer"] for q in bank["questions"]}
    right = {q["id"]: q["choices"].index(key[q["id"]]) for q in shown}
    wrong = {q["id"]: (right[q["id"]] + 1) % len(q["choices"]) for q in shown}
    assert banks.grade_quiz(bank, shown, right) == 1.0 >= float(bank["pass_mark"])
    assert banks.grade_quiz(bank, shown, wrong) == 0.0


def test_every_challenge_has_a_reference_and_a_wrong_solution() -> None:
    assert set(REFERENCE) == set(banks.challenges()) == set(WRONG)
    ids = [t["id"] for t in banks.challenges().values()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("slug", sorted(banks.challenges()))
def test_challenge_reference_passes_in_the_sandbox_and_a_near_miss_fails(slug: str) -> None:
    task = banks.challenge_for(slug)
    # The sandbox runs Python only; every challenge must be something it can grade.
    assert task["language"] == "python" and re.fullmatch(r"[a-z_][a-z0-9_]*", task["function"])
    assert 1 <= int(task["level"]) <= 5 and task["prompt"] and len(task["hidden"]) >= 5
    cases = [Case(task["example"]["args"], task["example"]["expected"])] + \
        [Case(h["args"], h["expected"]) for h in task["hidden"]]
    good = run(REFERENCE[slug], task["function"], cases, LIMITS)
    assert good.outcome == "passed" and good.passed_cases == len(cases), good
    bad = run(WRONG[slug], task["function"], cases, LIMITS)
    assert bad.outcome == "failed" and bad.passed_cases < len(cases), bad
    # The hidden cases themselves catch the near miss (the example alone is shown to the candidate).
    hidden = cases[1:]
    assert run(WRONG[slug], task["function"], hidden, LIMITS).passed_cases < len(hidden)
