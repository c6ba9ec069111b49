"""User Markdown to safe HTML: markdown-it-py renders, nh3 (ammonia) sanitises.

Bodies are stored as the user wrote them and rendered on read, so a sanitiser fix applies to every old post
at once. Raw HTML in the source is escaped by the renderer (``html=False``) and whatever still comes out is
passed through an allow-list: only these tags and attributes, links limited to http(s)/mailto and marked
``rel="nofollow noopener noreferrer"``, no inline styles, no event handlers, no ``javascript:`` URLs.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}, "th": {"align"},
               "td": {"align"}}
_SCHEMES = {"http", "https", "mailto"}

# One renderer per process: MarkdownIt is reusable and its rule tables are costly to build.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table") \
    .enable("strikethrough")

# ``@handle`` after a start or a non-word character: a user's profile handle (letters, digits, _ and -).
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_][A-Za-z0-9_-]{1,39})")


def render(source: str) -> str:
    """Sanitised HTML of a Markdown text."""
    return nh3.clean(_md.render(source), tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES,
                     link_rel="nofollow noopener noreferrer", strip_comments=True)


def mentions(source: str) -> list[str]:
    """The ``@handles`` a text mentions, lower-cased, first appearance first, without duplicates."""
    seen: dict[str, None] = {}
    for match in _MENTION.finditer(source):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)
