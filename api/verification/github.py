"""GitHub proof: an OAuth 2 authorization-code flow with PKCE (authlib's httpx client), then the account's
public repositories and their languages as evidence for a reviewer. The access token is used for the
two reads and dropped; provider errors never reach a response or a log with their text."""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Any

from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc6749.errors import OAuth2Error
import httpx

from api.kit.problems import Problem
from api.settings import ApiSettings

# Skill slug -> GitHub's language names that count as evidence of it (a reviewer still decides).
LANGUAGES: dict[str, tuple[str, ...]] = {
    "solidity": ("Solidity",), "vyper": ("Vyper",), "rust-solana": ("Rust",), "move": ("Move",),
    "python": ("Python",), "typescript": ("TypeScript",), "react": ("TypeScript", "JavaScript"),
    "go": ("Go",), "rust": ("Rust",),
}
MAX_REPOS = 100
# authlib's httpx client runs on httpx2 when that is installed (authlib >= 1.7): its errors are not httpx's.
try:
    import httpx2

    HTTP_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPError, httpx2.HTTPError)
except ImportError:  # pragma: no cover - depends on what authlib pulled in
    HTTP_ERRORS = (httpx.HTTPError,)


def _client(settings: ApiSettings, **kwargs: Any) -> OAuth2Client:
    if not settings.github_client_id or settings.github_client_secret is None:
        raise Problem(422, "GitHub proof is not configured on this server", type_="method-unavailable")
    return OAuth2Client(settings.github_client_id, settings.github_client_secret.get_secret_value(),
                        redirect_uri=settings.github_verification_redirect_uri, scope="read:user",
                        code_challenge_method="S256", timeout=settings.github_timeout_seconds, **kwargs)


def begin(settings: ApiSettings) -> tuple[str, dict[str, str]]:
    """(authorize URL, secret state to keep server-side: the OAuth state and the PKCE verifier)."""
    state, verifier = secrets.token_urlsafe(24), generate_token(64)
    with _client(settings) as client:
        url, _ = client.create_authorization_url(f"{settings.github_oauth_base.get_secret_value()}/login/oauth/authorize", state=state, code_verifier=verifier)
    return url, {"state": state, "code_verifier": verifier}


def finish(settings: ApiSettings, kept: dict[str, str], code: str, state: str) -> dict[str, Any]:
    """Exchange the code and read the account: {login, id, public_repos, languages, repositories}."""
    if not secrets.compare_digest(state, kept.get("state", "")):
        raise Problem(422, "the OAuth state does not match this verification", type_="oauth-state")
    try:
        with _client(settings, state=state) as client:
            client.fetch_token(f"{settings.github_oauth_base.get_secret_value()}/login/oauth/access_token", code=code, code_verifier=kept["code_verifier"],
                               headers={"Accept": "application/json"})
            api = settings.github_api_base.get_secret_value().rstrip("/")
            headers = {"Accept": "application/vnd.github+json"}
            user = client.get(f"{api}/user", headers=headers)
            user.raise_for_status()
            repos = client.get(f"{api}/user/repos", params={"per_page": MAX_REPOS, "type": "owner",
                                                            "visibility": "public", "sort": "pushed"}, headers=headers)
            repos.raise_for_status()
            account, listed = user.json(), repos.json()
    except (OAuth2Error, OAuthError):
        raise Problem(422, "GitHub refused the authorization code (expired, used or not for this app)",
                      type_="oauth-refused") from None
    except (*HTTP_ERRORS, ValueError, KeyError):
        raise Problem(502, "GitHub could not be read; try again", type_="github-unavailable") from None
    if not isinstance(account, dict) or not isinstance(listed, list):
        raise Problem(502, "GitHub answered in an unexpected shape", type_="github-unavailable")
    public = [r for r in listed if isinstance(r, dict) and not r.get("private") and not r.get("fork")]
    languages = Counter(str(r["language"]) for r in public if r.get("language"))
    return {"login": str(account.get("login", ""))[:100], "id": int(account.get("id", 0)),
            "public_repos": int(account.get("public_repos", len(public))),
            "languages": dict(languages.most_common(20)),
            "repositories": [{"name": str(r.get("full_name", ""))[:200], "language": r.get("language"),
                              "stars": int(r.get("stargazers_count", 0))} for r in public[:20]]}


def matching_repos(slug: str, evidence: dict[str, Any]) -> int:
    return sum(int(evidence["languages"].get(lang, 0)) for lang in LANGUAGES.get(slug, ()))
