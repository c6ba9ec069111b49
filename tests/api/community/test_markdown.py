"""Markdown rendering keeps formatting and turns every XSS payload of a known list inert."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from api.kit import markdown

# Classic payloads (OWASP XSS filter evasion cheat sheet and friends), in raw HTML and in Markdown syntax.
PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<body onload=alert(1)>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<object data=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\"></object>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x\" onerror=\"alert(1)](https://example.com/a.png)",
    "[x](https://example.com \"title\\\" onmouseover=\\\"alert(1)\")",
    "<scr<script>ipt>alert(1)</script>",
    "```\n</code><script>alert(1)</script>\n```",
    "<!--<script>alert(1)//-->",
    "<a href=\"https://ok\" onclick=\"alert(1)\">x</a>",
    "<form action=javascript:alert(1)><input type=submit>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    "[a](<javascript:alert(1)>)",
    "<img src=\"x\" onerror=\"&#97;&#108;&#101;&#114;&#116;(1)\">",
]

_ALLOWED = {"p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "h1", "h2",
            "h3", "h4", "h5", "h6", "a", "img", "table", "thead", "tbody", "tr", "th", "td"}


class _Tags(HTMLParser):
    """The tags and attributes a browser would see (parsed as a browser does, entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def _assert_inert(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.found:
        assert tag in _ALLOWED, html
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", html
            if name in ("href", "src"):
                url = re.sub(r"[\x00-\x20]", "", value or "").lower()
                assert url.startswith(("http:", "https:", "mailto:")) or ":" not in url, html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payloads_are_inert(payload: str) -> None:
    html = markdown.render(payload)
    _assert_inert(html)
    # Raw HTML comes out as escaped text: no tag of the payload survives as a tag.
    assert "<script" not in html.lower() and "<iframe" not in html.lower() and "<svg" not in html.lower()


def test_checker_catches_a_live_payload() -> None:
    # The checker itself must fail on what it guards against (a test that cannot fail is a defect).
    for live in ("<img src=x onerror=alert(1)>", "<a href=\"javascript:alert(1)\">x</a>", "<script>x</script>"):
        with pytest.raises(AssertionError):
            _assert_inert(live)


def test_formatting_survives() -> None:
    html = markdown.render("# Title\n\n**bold** _it_ ~~gone~~ `code` [link](https://lancer.example/x)\n\n"
                           "- a\n- b\n\n| h |\n|---|\n| c |\n")
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html and "<em>it</em>" in html
    assert "<s>gone</s>" in html or "<del>gone</del>" in html
    assert '<a href="https://lancer.example/x" rel="nofollow noopener noreferrer">link</a>' in html
    assert "<li>a</li>" in html and "<td>c</td>" in html


def test_mentions() -> None:
    assert markdown.mentions("hi @Bob, @alice and @bob; mail x@y.z") == ["bob", "alice"]
