"""The `lancer` subcommands (thin: the logic lives in api/, indexer/, contracts/)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from indexer.core.errors import ConfigError

if TYPE_CHECKING:
    from api.settings import ApiSettings


def api_settings_with_database() -> tuple[ApiSettings, str]:
    """The API's settings and its database URL; a bad variable or a missing DATABASE_URL is a one-line
    ConfigError (exit 2), never a traceback."""
    from pydantic import ValidationError

    from api.settings import ApiSettings

    try:
        settings = ApiSettings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"{'.'.join(map(str, first['loc'])).upper() or 'settings'}: {first['msg']}") from None
    url = settings.database_url.get_secret_value()
    if not url:
        raise ConfigError("DATABASE_URL is not set; set it to the PostgreSQL URL of the API's database")
    return settings, url
