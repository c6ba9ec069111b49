"""Write the API's OpenAPI document to web/openapi.json, the source of the web app's typed client.

`python scripts/dump_openapi.py` (then `npm run gen:api` in web/ regenerates the TypeScript types);
`--check` exits 1 when the committed document differs from the app's, which tests/web runs so that an
API schema change breaks the build, not the user.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "web" / "openapi.json"


def render() -> str:
    """The document as committed: stable key order as FastAPI emits it, 2-space indent, final newline."""
    # The schema does not depend on secrets; silence the "ephemeral keys" (and import-time) warnings.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from api.app import create_app
        from api.settings import ApiSettings

        app = create_app(ApiSettings(environment="test", _env_file=None))
        return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


@click.command()
@click.option("--check", is_flag=True, help="Exit 1 if web/openapi.json is not up to date")
def main(check: bool) -> None:
    text = render()
    if check:
        if not TARGET.is_file() or TARGET.read_text() != text:
            click.echo(f"{TARGET.relative_to(ROOT)} is stale: run `python scripts/dump_openapi.py` "
                       "and `npm run gen:api` in web/", err=True)
            sys.exit(1)
        return
    TARGET.write_text(text)
    click.echo(f"wrote {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
