"""`.env.example` is the documented configuration: copied as `.env`, it must start the API as it is
(every empty `NAME=` means "use the default"), and name only variables a settings class reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.settings import ApiSettings
from contracts.deploy_config import DeploySettings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"
# Read by other programs than the API's settings: the web app's build, ape, the compose files, the tests.
NOT_API = re.compile(r"^(NEXT_PUBLIC_|APE_|TEST_|OTEL_|PGSERVER_|POSTGRES_|DEPLOYER_|COMPOSE_|API_URL$|WEB_)")


def test_env_example_loads_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    names = re.findall(r"^([A-Z][A-Z0-9_]*)=", EXAMPLE.read_text(), re.M)
    for name in names:
        monkeypatch.delenv(name, raising=False)  # the file alone decides
    settings = ApiSettings(_env_file=str(EXAMPLE))  # type: ignore[call-arg]
    assert settings.webhook_allow_private_urls is None  # `WEBHOOK_ALLOW_PRIVATE_URLS=`: the default
    fields = {f.upper() for f in (*ApiSettings.model_fields, *DeploySettings.model_fields)}
    unknown = [n for n in names if n not in fields and not NOT_API.match(n)]
    assert unknown == [], f".env.example names variables no settings field reads: {unknown}"
