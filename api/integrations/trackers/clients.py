"""One small client per provider: fetch an item's title and status. Pure HTTP (httpx), no storage.

Errors come out as :class:`TrackerError` kinds only (``not_found``, ``unauthorized``, ``unavailable``):
a provider's text may echo private data, and its URL may carry a key (Trello puts it in the query).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

PROVIDERS = ("jira", "trello", "notion", "gdrive")
NOTION_VERSION = "2022-06-28"


class TrackerError(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class Credential:
    token: str
    base_url: str  # the provider's API host (Jira: the site, e.g. https://acme.atlassian.net)
    account: str | None = None  # Jira: the account email (basic auth); Trello: the API key


@dataclass(frozen=True)
class Item:
    title: str
    status: str
    url: str | None


def _get(url: str, headers: dict[str, str], params: dict[str, str] | None = None) -> Any:
    try:
        r = httpx.get(url, headers=headers, params=params, timeout=10)
    except httpx.HTTPError:
        raise TrackerError("unavailable") from None
    if r.status_code in (401, 403):
        raise TrackerError("unauthorized")
    if r.status_code == 404:
        raise TrackerError("not_found")
    if r.status_code >= 300:
        raise TrackerError("unavailable")
    try:
        return r.json()
    except ValueError:
        raise TrackerError("unavailable") from None


def jira(cred: Credential, ref: str) -> Item:
    """``ref``: an issue key (PROJ-12). Basic auth (email:API token) on Cloud, Bearer (PAT) without email."""
    if cred.account:
        auth = "Basic " + base64.b64encode(f"{cred.account}:{cred.token}".encode()).decode()
    else:
        auth = f"Bearer {cred.token}"
    data = _get(f"{cred.base_url}/rest/api/3/issue/{quote(ref)}", {"Authorization": auth, "Accept": "application/json"},
                {"fields": "summary,status"})
    fields = data.get("fields") or {}
    return Item(str(fields.get("summary") or ref), str((fields.get("status") or {}).get("name") or "unknown"),
                f"{cred.base_url}/browse/{quote(ref)}")


def trello(cred: Credential, ref: str) -> Item:
    """``ref``: a card id or short link. Trello authenticates with key and token query parameters."""
    data = _get(f"{cred.base_url}/1/cards/{quote(ref)}", {"Accept": "application/json"},
                {"key": cred.account or "", "token": cred.token, "fields": "name,closed,url,dueComplete"})
    status = "closed" if data.get("closed") else ("done" if data.get("dueComplete") else "open")
    return Item(str(data.get("name") or ref), status, data.get("url"))


def _notion_title(data: dict[str, Any]) -> str:
    for prop in (data.get("properties") or {}).values():
        if isinstance(prop, dict) and prop.get("type") == "title":
            return "".join(str(t.get("plain_text") or "") for t in prop.get("title") or [])
    return ""


def notion(cred: Credential, ref: str) -> Item:
    """``ref``: a page id."""
    data = _get(f"{cred.base_url}/v1/pages/{quote(ref)}",
                {"Authorization": f"Bearer {cred.token}", "Notion-Version": NOTION_VERSION})
    return Item(_notion_title(data) or ref, "archived" if data.get("archived") or data.get("in_trash") else "active",
                data.get("url"))


def gdrive(cred: Credential, ref: str) -> Item:
    """``ref``: a file id."""
    data = _get(f"{cred.base_url}/drive/v3/files/{quote(ref)}", {"Authorization": f"Bearer {cred.token}"},
                {"fields": "name,trashed,webViewLink,modifiedTime"})
    return Item(str(data.get("name") or ref), "trashed" if data.get("trashed") else "available",
                data.get("webViewLink"))


FETCH = {"jira": jira, "trello": trello, "notion": notion, "gdrive": gdrive}


def fetch(provider: str, cred: Credential, ref: str) -> Item:
    item = FETCH[provider](cred, ref)
    return Item(item.title[:300], item.status[:64], None if item.url is None else str(item.url)[:500])
