"""The committed question banks (quizzes.json) and code challenges (challenges.json), per skill slug.

Answer keys and hidden cases are read from these files at grading time and never stored in a
verification row or sent to a client.
"""

from __future__ import annotations

import json
import secrets
from functools import cache
from pathlib import Path
from typing import Any

from api.kit.problems import Problem

HERE = Path(__file__).parent


@cache
def quizzes() -> dict[str, dict[str, Any]]:
    return json.loads((HERE / "quizzes.json").read_text())  # type: ignore[no-any-return]


@cache
def challenges() -> dict[str, dict[str, Any]]:
    return json.loads((HERE / "challenges.json").read_text())  # type: ignore[no-any-return]


def quiz_for(slug: str) -> dict[str, Any]:
    bank = quizzes().get(slug)
    if bank is None:
        raise Problem(422, f"no quiz for {slug!r}; quizzes exist for: {', '.join(sorted(quizzes()))}",
                      type_="method-unavailable")
    return bank


def challenge_for(slug: str) -> dict[str, Any]:
    task = challenges().get(slug)
    if task is None:
        raise Problem(422, f"no code challenge for {slug!r}; challenges exist for: {', '.join(sorted(challenges()))}",
                      type_="method-unavailable")
    return task


def draw_quiz(bank: dict[str, Any]) -> list[dict[str, Any]]:
    """A fresh attempt: a random subset of the questions in random order, each with its choices shuffled."""
    rng = secrets.SystemRandom()
    picked = rng.sample(bank["questions"], k=min(int(bank["questions_per_attempt"]), len(bank["questions"])))
    out = []
    for q in picked:
        choices = list(q["choices"])
        rng.shuffle(choices)
        out.append({"id": q["id"], "text": q["text"], "choices": choices})
    return out


def grade_quiz(bank: dict[str, Any], shown: list[dict[str, Any]], answers: dict[str, int]) -> float:
    """Fraction right; an answer is the index of a choice in the order it was shown."""
    key = {q["id"]: q["answer"] for q in bank["questions"]}
    right = 0
    for q in shown:
        picked = answers.get(q["id"])
        if picked is not None and 0 <= picked < len(q["choices"]) and q["choices"][picked] == key.get(q["id"]):
            right += 1
    return right / len(shown) if shown else 0.0
