"""dbt-duckdb plugin: hand the audience hashing salt to SQL without writing it anywhere.

``fct_campaign_audiences`` hashes user ids as ``sha256(salt || user_id)``. If
the salt were rendered into SQL with ``env_var()``, it would be written to the
compiled SQL under ``target/`` and to ``logs/dbt.log``. Instead this plugin,
named in ``profiles.yml``, reads the environment variable (default
``AUDIENCE_HASH_SALT``) and binds it as the DuckDB session variable
``audience_hash_salt`` on every connection and cursor, as a query *parameter*.
SQL reads it with ``getvariable('audience_hash_salt')``; session variables
live in memory only and are never stored in the database file.
"""

from __future__ import annotations

import os
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

DEFAULT_SALT_ENV_VAR = "AUDIENCE_HASH_SALT"
SESSION_VARIABLE = "audience_hash_salt"


def salt_from_environment(env_var: str = DEFAULT_SALT_ENV_VAR) -> str:
    """The salt, or an empty string when the variable is unset."""
    return os.environ.get(env_var, "")


def bind_salt(connection: Any, salt: str) -> None:
    """Set the session variable on ``connection`` with a bound parameter (never in SQL text)."""
    connection.execute(f"set variable {SESSION_VARIABLE} = $1", [salt])


class Plugin(BasePlugin):
    """Sets ``audience_hash_salt`` on each DuckDB connection dbt opens."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.salt_env_var = str(plugin_config.get("salt_env_var", DEFAULT_SALT_ENV_VAR))

    def configure_connection(self, conn: Any) -> None:
        bind_salt(conn, salt_from_environment(self.salt_env_var))

    def configure_cursor(self, cursor: Any) -> None:
        bind_salt(cursor, salt_from_environment(self.salt_env_var))
