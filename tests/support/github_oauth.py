"""A local OAuth 2 authorization server and API shaped like GitHub's, for the GitHub skill proof: a
real HTTP server on loopback that issues one-time codes, checks the client secret, the redirect URI and
the PKCE (S256) verifier at the token endpoint, and serves /user and /user/repos to its bearer tokens.
A browser opening the authorize URL is approved at once and redirected back with the code and state."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from tests.support.rpc_server import send_json

CLIENT_ID, CLIENT_SECRET = "lancer-test-app", "s3cret-" + "x" * 20
ACCOUNT = {"login": "octo-dev", "id": 4242, "public_repos": 6}
REPOS = [
    {"full_name": "octo-dev/ledger", "language": "Python", "fork": False, "private": False, "stargazers_count": 12},
    {"full_name": "octo-dev/crawler", "language": "Python", "fork": False, "private": False, "stargazers_count": 3},
    {"full_name": "octo-dev/notes", "language": "Python", "fork": False, "private": False, "stargazers_count": 0},
    {"full_name": "octo-dev/cli", "language": "Go", "fork": False, "private": False, "stargazers_count": 1},
    {"full_name": "octo-dev/django", "language": "Python", "fork": True, "private": False, "stargazers_count": 0},
]


class GithubOAuthServer:
    def __init__(self) -> None:
        self.codes: dict[str, dict[str, str]] = {}
        self.tokens: set[str] = set()
        self.token_requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                owner._get(self)

            def do_POST(self) -> None:
                owner._post(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> GithubOAuthServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def consent(self, authorize_url: str) -> tuple[str, str]:
        """What the user's browser does: open the authorize URL, approve; returns (code, state) from the
        redirect back to the app."""
        q = {k: v[0] for k, v in parse_qs(urlparse(authorize_url).query).items()}
        assert authorize_url.startswith(self.url + "/login/oauth/authorize"), authorize_url
        assert q["client_id"] == CLIENT_ID and q["response_type"] == "code" and q["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": q["code_challenge"], "redirect_uri": q["redirect_uri"]}
        return code, q["state"]

    def _get(self, h: BaseHTTPRequestHandler) -> None:
        if urlparse(h.path).path == "/login/oauth/authorize":  # the user approves in their browser
            code, state = self.consent(self.url + h.path)
            back = parse_qs(urlparse(h.path).query)["redirect_uri"][0]
            h.send_response(302)
            h.send_header("Location", f"{back}{'&' if '?' in back else '?'}{urlencode({'code': code, 'state': state})}")
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        auth = h.headers.get("Authorization", "")
        if not auth.lower().startswith("bearer ") or auth.split(" ", 1)[1] not in self.tokens:
            send_json(h, 401, b'{"message": "Bad credentials"}')
            return
        path = urlparse(h.path).path
        if path == "/user":
            send_json(h, 200, json.dumps(ACCOUNT).encode())
        elif path == "/user/repos":
            send_json(h, 200, json.dumps(REPOS).encode())
        else:
            send_json(h, 404, b'{"message": "Not Found"}')

    def _post(self, h: BaseHTTPRequestHandler) -> None:
        self.token_requests += 1
        form = {k: v[0] for k, v in parse_qs(h.rfile.read(int(h.headers["Content-Length"])).decode()).items()}
        basic = h.headers.get("Authorization", "")
        client = base64.b64decode(basic[6:]).decode() if basic.startswith("Basic ") else \
            f"{form.get('client_id')}:{form.get('client_secret')}"
        grant = self.codes.pop(form.get("code", ""), None)  # one use only
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if urlparse(h.path).path != "/login/oauth/access_token" or client != f"{CLIENT_ID}:{CLIENT_SECRET}":
            send_json(h, 401, b'{"error": "invalid_client"}')
        elif grant is None or grant["challenge"] != challenge or grant["redirect_uri"] != form.get("redirect_uri"):
            send_json(h, 400, b'{"error": "invalid_grant", "error_description": "bad code"}')
        else:
            token = secrets.token_urlsafe(24)
            self.tokens.add(token)
            send_json(h, 200, json.dumps({"access_token": token, "token_type": "bearer",
                                          "scope": "read:user"}).encode())
