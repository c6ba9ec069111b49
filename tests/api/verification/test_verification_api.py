"""Skill verification through the HTTP API: quiz (timing, grading, order, cooldown), code challenge (rq job,
sandbox), evidence upload and the reviewer queue; a pass issues a verified_skill attestation and marks the
skill verified. Real PostgreSQL, Redis, anvil + EAS."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from api.app import create_app
from api.privacy import service as privacy
from api.verification import banks
from api.verification.models import SkillVerification
from contracts.eas.lancer_schemas import VERIFIED_SKILL
from tests.support.api_client import bearer, login
from tests.support.github_oauth import CLIENT_ID, CLIENT_SECRET, GithubOAuthServer
from tests.support.reputation_env import VERIFIER, Env

BASE = "/v1/skills/verification"
MERGE = ("def merge(intervals):\n    out = []\n    for s, e in sorted(intervals):\n"
         "        if out and s <= out[-1][1]:\n            out[-1][1] = max(out[-1][1], e)\n"
         "        else:\n            out.append([s, e])\n    return out\n")


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _problem(r: Any, status: int, type_: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body = r.json()
    if type_:
        assert body["type"].endswith(type_), body
    return body


def _key(skill: str, questions: list[dict[str, Any]], *, right: bool = True) -> dict[str, int]:
    answers = {q["id"]: q["answer"] for q in banks.quiz_for(skill)["questions"]}
    return {q["id"]: (q["choices"].index(answers[q["id"]]) if right else
                      next(i for i, c in enumerate(q["choices"]) if c != answers[q["id"]])) for q in questions}


def _attested(env: Env, uid: str, wallet: str, skill: str, level: int) -> None:
    a = _ok(env.client.get(f"/v1/attestations/{uid}"))
    assert a["schema_uid"] == VERIFIED_SKILL.uid and a["recipient"] == wallet, a
    assert a["decoded"]["skill"] == skill and int(a["decoded"]["level"]) == level, a


def test_quiz_pass_issues_the_attestation_and_verifies_the_skill(env: Env) -> None:
    acct = env.account(1)
    me = env.token_for(acct)
    c = env.client
    assert c.put("/v1/me/profile/skills/python", headers=me, json={"level": 2}).status_code == 204
    _problem(c.post(f"{BASE}/start", json={"skill": "python", "method": "quiz"}), 401)
    v = _ok(c.post(f"{BASE}/start", headers=me, json={"skill": "python", "method": "quiz"}), 201)
    assert v["status"] == "started" and len(v["questions"]) == 4 and v["pass_mark"] == 0.75
    assert "answer" not in str(v["questions"]).lower().replace("answers", "")
    assert datetime.fromisoformat(v["expires_at"]) > datetime.now(UTC) + timedelta(seconds=500)
    _problem(c.post(f"{BASE}/start", headers=me, json={"skill": "python", "method": "quiz"}), 409, "verification-open")
    # Another user cannot read or answer it.
    other = env.token_for(env.account(2))
    _problem(c.get(f"{BASE}/{v['id']}", headers=other), 404)
    _problem(c.post(f"{BASE}/{v['id']}/submit", headers=other, json={"answers": {}}), 404)
    _problem(c.get(f"{BASE}/{v['id']}"), 401)
    # Three right out of four is the pass mark.
    answers = _key("python", v["questions"])
    wrong = _key("python", v["questions"][:1], right=False)
    done = _ok(c.post(f"{BASE}/{v['id']}/submit", headers=me, json={"answers": {**answers, **wrong}}))
    assert done["status"] == "passed" and done["score"] == 0.75 and done["questions"] is None
    _attested(env, done["attestation_uid"], acct.address, "python", 3)
    assert _ok(c.get(f"{BASE}/{v['id']}", headers=me))["status"] == "passed"
    mine = {s["skill"]["slug"]: s for s in _ok(c.get("/v1/me/profile/skills", headers=me))}
    assert mine["python"]["verified_status"] == "verified" and mine["python"]["verified_level"] == 3
    _problem(c.post(f"{BASE}/{v['id']}/submit", headers=me, json={"answers": answers}), 409)
    _problem(c.post(f"{BASE}/start", headers=me, json={"skill": "python", "method": "quiz"}), 409, "already-verified")


def test_quiz_failure_cooldown_expiry_and_random_order(env: Env) -> None:
    c = env.client
    drawn = []
    for i in (3, 4, 5):
        me = env.token_for(env.account(i))
        v = _ok(c.post(f"{BASE}/start", headers=me, json={"skill": "solidity", "method": "quiz"}), 201)
        drawn.append([(q["id"], q["choices"]) for q in v["questions"]])
        if i == 3:  # all wrong: failed, graded, and a cooldown before the next attempt
            failed = _ok(c.post(f"{BASE}/{v['id']}/submit", headers=me,
                                json={"answers": _key("solidity", v["questions"], right=False)}))
            assert failed["status"] == "failed" and failed["score"] == 0.0 and failed["attestation_uid"] is None
            assert datetime.fromisoformat(failed["retry_after"]) > datetime.now(UTC) + timedelta(hours=23)
            body = _problem(c.post(f"{BASE}/start", headers=me, json={"skill": "solidity", "method": "quiz"}), 429,
                            "verification-cooldown")
            assert "retry_after" in body
        if i == 4:  # answered after the time limit: expired, not graded, even with the right answers
            with Session(env.engine) as db:
                db.execute(update(SkillVerification).where(SkillVerification.id == v["id"])
                           .values(expires_at=datetime.now(UTC) - timedelta(seconds=30)))
                db.commit()
            late = _ok(c.post(f"{BASE}/{v['id']}/submit", headers=me,
                              json={"answers": _key("solidity", v["questions"])}))
            assert late["status"] == "expired" and late["score"] == 0.0 and late["attestation_uid"] is None
            _problem(c.post(f"{BASE}/start", headers=me, json={"skill": "solidity", "method": "quiz"}), 429)
    # Randomised: three attempts do not all show the same questions in the same order with the same choices.
    assert len({repr(d) for d in drawn}) > 1


def test_code_challenge_is_graded_in_the_sandbox(env: Env) -> None:
    c = env.client
    loops, good = env.token_for(env.account(6)), env.token_for(env.account(7))
    v = _ok(c.post(f"{BASE}/start", headers=loops, json={"skill": "python", "method": "code_challenge"}), 201)
    assert v["challenge"]["function"] == "merge" and "hidden" not in v["challenge"]
    _problem(c.post(f"{BASE}/{v['id']}/submit", headers=loops, json={}), 422)
    graded = _ok(c.post(f"{BASE}/{v['id']}/submit", headers=loops,
                        json={"code": "def merge(intervals):\n    while True:\n        pass\n"}))
    assert graded["status"] == "grading"
    env.run_jobs()
    out = _ok(c.get(f"{BASE}/{v['id']}", headers=loops))
    assert out["status"] == "failed" and out["result"]["outcome"] == "timeout", out
    _problem(c.post(f"{BASE}/start", headers=loops, json={"skill": "python", "method": "code_challenge"}), 429)
    # Or a repository for a reviewer to check, instead of code.
    v = _ok(c.post(f"{BASE}/start", headers=loops, json={"skill": "solidity", "method": "code_challenge"}), 201)
    _problem(c.post(f"{BASE}/{v['id']}/submit", headers=loops,
                    json={"code": "x = 1", "repository_url": "https://example.org/me/audits"}), 422)
    linked = _ok(c.post(f"{BASE}/{v['id']}/submit", headers=loops,
                        json={"repository_url": "https://example.org/me/audits"}))
    assert linked["status"] == "in_review"
    queue = _ok(c.get(f"{BASE}/queue", headers=env.token_for(VERIFIER)))["items"]
    assert next(i for i in queue if i["verification"]["id"] == v["id"])["evidence"] == {
        "repository_url": "https://example.org/me/audits"}

    v = _ok(c.post(f"{BASE}/start", headers=good, json={"skill": "python", "method": "code_challenge"}), 201)
    _ok(c.post(f"{BASE}/{v['id']}/submit", headers=good, json={"code": MERGE}))
    env.run_jobs()
    out = _ok(c.get(f"{BASE}/{v['id']}", headers=good))
    assert out["status"] == "passed" and out["score"] == 1.0 and out["result"]["outcome"] == "passed", out
    _attested(env, out["attestation_uid"], env.account(7).address, "python", 4)
    with Session(env.engine) as db:  # the code is not kept once graded
        assert "code" not in db.get(SkillVerification, v["id"]).details  # type: ignore[union-attr]


def test_evidence_upload_and_reviewer_queue(env: Env) -> None:
    c = env.client
    acct = env.account(8)
    me, reviewer = env.token_for(acct), env.token_for(VERIFIER)
    plain = env.token_for(env.account(9))
    data = b"certificate: solidity auditing course, passed 2026"
    _problem(c.post(f"{BASE}/start", headers=me, json={"skill": "solidity", "method": "evidence"}), 422)
    _problem(c.post(f"{BASE}/start", headers=me, json={"skill": "solidity", "method": "evidence", "evidence":
                                                       {"content_type": "text/html", "size": 10}}), 415)
    _problem(c.post(f"{BASE}/start", headers=me, json={"skill": "solidity", "method": "evidence", "evidence":
                                                       {"content_type": "text/plain", "size": 5000}}), 413)
    v = _ok(c.post(f"{BASE}/start", headers=me, json={"skill": "solidity", "method": "evidence", "level": 4,
                                                      "evidence": {"content_type": "text/plain", "size": len(data)}}),
            201)
    url = v["upload"]["url"]
    assert v["upload"]["max_bytes"] == 4096
    _problem(c.post(f"{BASE}/{v['id']}/submit", headers=me, json={"note": "x"}), 409, "evidence-missing")
    _problem(c.put(url, headers={**me, "content-type": "image/png"}, content=data), 415)
    _problem(c.put(url, headers={**me, "content-type": "text/plain"}, content=data + b"!"), 422)
    _problem(c.put(url, headers={**me, "content-type": "text/plain"}, content=b"x" * 5000), 413)
    _problem(c.put(url, headers={**plain, "content-type": "text/plain"}, content=data), 404)
    up = _ok(c.put(url, headers={**me, "content-type": "text/plain"}, content=data))
    import hashlib
    assert up["evidence_sha256"] == hashlib.sha256(data).hexdigest()
    assert (env.settings.verification_storage_dir / up["evidence_sha256"][:2] / up["evidence_sha256"]).read_bytes() == data
    assert _ok(c.post(f"{BASE}/{v['id']}/submit", headers=me, json={"note": "course certificate"}))["status"] == "in_review"

    _problem(c.get(f"{BASE}/queue"), 401)
    _problem(c.get(f"{BASE}/queue", headers=plain), 403)
    plain_mfa = bearer(login(c, env.account(9))["tokens"]["access_token"])
    _problem(c.get(f"{BASE}/queue", headers=plain_mfa), 403)
    queue = _ok(c.get(f"{BASE}/queue", headers=reviewer))
    item = next(i for i in queue["items"] if i["verification"]["id"] == v["id"])
    assert item["evidence"]["note"] == "course certificate" and item["evidence"]["size"] == len(data)
    _problem(c.get(f"{BASE}/{v['id']}/evidence", headers=plain), 403)
    got = c.get(f"{BASE}/{v['id']}/evidence", headers=reviewer)
    assert got.status_code == 200 and got.content == data and got.headers["content-disposition"] == "attachment"
    _problem(c.post(f"{BASE}/{v['id']}/review", headers=plain, json={"decision": "pass", "note": "ok"}), 403)
    _problem(c.post(f"{BASE}/{v['id']}/review", headers=reviewer, json={"decision": "maybe", "note": "ok"}), 422)
    done = _ok(c.post(f"{BASE}/{v['id']}/review", headers=reviewer, json={"decision": "pass", "note": "genuine"}))
    assert done["status"] == "passed" and done["level"] == 4 and done["review_note"] == "genuine"
    _attested(env, done["attestation_uid"], acct.address, "solidity", 4)
    _problem(c.post(f"{BASE}/{v['id']}/review", headers=reviewer, json={"decision": "fail", "note": "x"}), 409)
    assert all(i["verification"]["id"] != v["id"] for i in _ok(c.get(f"{BASE}/queue", headers=reviewer))["items"])


def test_bad_input_is_a_problem_not_a_500(env: Env) -> None:
    c = env.client
    me = env.token_for(env.account(2))
    _problem(c.post(f"{BASE}/start", headers=me, json={"skill": "basket-weaving", "method": "quiz"}), 404)
    _problem(c.post(f"{BASE}/start", headers=me, json={"skill": "ui-ux-design", "method": "quiz"}), 422, "method-unavailable")
    _problem(c.post(f"{BASE}/start", headers=me, json={"skill": "python", "method": "telepathy"}), 422)
    _problem(c.get(f"{BASE}/not-a-uuid", headers=me), 422)
    _problem(c.get(f"{BASE}/00000000-0000-0000-0000-000000000000", headers=me), 404)
    _problem(c.get(f"{BASE}/queue", headers=env.token_for(VERIFIER), params={"cursor": "garbage"}), 400)


def test_routes_are_gone_when_the_feature_is_off(env: Env) -> None:
    settings = env.settings.model_copy(update={"enable_skill_verification": False})
    with TestClient(create_app(settings)) as c:
        h = bearer(login(c, env.account(3))["tokens"]["access_token"])
        assert not any(p.startswith(BASE) for p in c.get("/openapi.json").json()["paths"])
        assert c.post(f"{BASE}/start", headers=h, json={"skill": "python", "method": "quiz"}).status_code == 404


def test_github_proof_goes_through_a_real_oauth_server_to_the_reviewer(env: Env) -> None:
    with GithubOAuthServer() as gh:
        settings = env.settings.model_copy(update={
            "github_client_id": CLIENT_ID, "github_client_secret": SecretStr(CLIENT_SECRET),
            "github_verification_redirect_uri": "https://app.lancer.test/verify/github",
            "github_oauth_base": SecretStr(gh.url), "github_api_base": SecretStr(gh.url)})
        with TestClient(create_app(settings), raise_server_exceptions=False) as c:
            me = bearer(login(c, env.account(5))["tokens"]["access_token"])
            thief = bearer(login(c, env.account(4))["tokens"]["access_token"])
            reviewer = env.token_for(VERIFIER)
            v = _ok(c.post(f"{BASE}/start", headers=me, json={"skill": "python", "method": "github"}), 201)
            assert "code_verifier" not in v["authorize_url"]
            code, state = gh.consent(v["authorize_url"])
            _problem(c.post(f"{BASE}/{v['id']}/submit", headers=me, json={"oauth_code": code, "oauth_state": "forged"}),
                     422, "oauth-state")
            _problem(c.post(f"{BASE}/{v['id']}/submit", headers=me, json={"oauth_code": "made-up", "oauth_state": state}),
                     422, "oauth-refused")
            done = _ok(c.post(f"{BASE}/{v['id']}/submit", headers=me, json={"oauth_code": code, "oauth_state": state}))
            assert done["status"] == "in_review" and done["authorize_url"] is None
            item = next(i for i in _ok(c.get(f"{BASE}/queue", headers=reviewer))["items"]
                        if i["verification"]["id"] == v["id"])
            evidence = item["evidence"]["github"]
            assert evidence["login"] == "octo-dev" and evidence["languages"] == {"Python": 3, "Go": 1}
            assert evidence["matching_repos"] == 3  # the fork does not count
            with Session(env.engine) as db:  # nothing of the OAuth exchange is kept
                kept = json.dumps(db.get(SkillVerification, v["id"]).details)  # type: ignore[union-attr]
            assert "code_verifier" not in kept and not any(t in kept for t in gh.tokens)
            # The same GitHub account cannot back a second user.
            other = _ok(c.post(f"{BASE}/start", headers=thief, json={"skill": "python", "method": "github"}), 201)
            code2, state2 = gh.consent(other["authorize_url"])
            _problem(c.post(f"{BASE}/{other['id']}/submit", headers=thief,
                            json={"oauth_code": code2, "oauth_state": state2}), 409, "github-account-used")
            passed = _ok(c.post(f"{BASE}/{v['id']}/review", headers=reviewer,
                                json={"decision": "pass", "level": 3, "note": "three real Python repositories"}))
            assert passed["status"] == "passed" and passed["attestation_uid"]
    # GitHub unreachable (the server is gone): a 502 that names no provider URL.
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        h = bearer(login(c, env.account(6))["tokens"]["access_token"])
        v = _ok(c.post(f"{BASE}/start", headers=h, json={"skill": "python", "method": "github"}), 201)
        state = v["authorize_url"].split("state=")[1].split("&")[0]
        r = c.post(f"{BASE}/{v['id']}/submit", headers=h, json={"oauth_code": "abc", "oauth_state": state})
        _problem(r, 502, "github-unavailable")
        assert "127.0.0.1" not in r.text and "oauth" not in r.json()["detail"].lower()
    # A server without a GitHub app says so.
    _problem(env.client.post(f"{BASE}/start", headers=env.token_for(env.account(7)),
                             json={"skill": "python", "method": "github"}), 422, "method-unavailable")


def test_an_abandoned_quiz_expires_and_its_cooldown_counts_from_the_time_limit(env: Env) -> None:
    c = env.client
    me = env.token_for(env.account(9))
    v = _ok(c.post(f"{BASE}/start", headers=me, json={"skill": "python", "method": "quiz"}), 201)
    ran_out = datetime.now(UTC) - timedelta(days=2)
    with Session(env.engine) as db:
        db.execute(update(SkillVerification).where(SkillVerification.id == v["id"]).values(expires_at=ran_out))
        db.commit()
    # Never submitted: the next start finds it expired two days ago, past the one-day cooldown.
    again = _ok(c.post(f"{BASE}/start", headers=me, json={"skill": "python", "method": "quiz"}), 201)
    assert again["attempt"] == 2
    old = _ok(c.get(f"{BASE}/{v['id']}", headers=me))
    assert old["status"] == "expired" and datetime.fromisoformat(old["decided_at"]) == ran_out


def test_decisions_reach_the_outbox_and_erasure_removes_the_attempts(env: Env) -> None:
    c = env.client
    acct = env.account(2)
    h = env.token_for(acct)
    v = _ok(c.post(f"{BASE}/start", headers=h, json={"skill": "solidity", "method": "quiz"}), 201)
    _ok(c.post(f"{BASE}/{v['id']}/submit", headers=h, json={"answers": _key("solidity", v["questions"], right=False)}))
    with env.engine.connect() as conn:
        kinds = conn.execute(text("SELECT kind, payload FROM outbox_events WHERE subject = :s"),
                             {"s": f"skill_verification:{v['id']}"}).all()
        user_id = conn.execute(text("SELECT user_id FROM user_wallets WHERE address = :a"),
                               {"a": acct.address}).scalar_one()
    assert [(k, p["status"]) for k, p in kinds] == [("skill_verification.decided", "failed")]
    assert c.delete("/v1/me", headers=h).status_code == 202
    with env.engine.connect() as conn:
        request_id = conn.execute(text("SELECT id FROM privacy_deletions WHERE user_id = :u AND status = 'scheduled'"),
                                  {"u": user_id}).scalar_one()
    assert privacy.erase_user(env.engine, request_id, now=datetime.now(UTC) + timedelta(days=365)) is True
    with env.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM skill_verifications WHERE user_id = :u"),
                            {"u": user_id}).scalar() == 0
