"""dbt-duckdb plugin: session variables for the SQL: the audience hashing salt, the input path.

``fct_campaign_audiences`` hashes user ids as ``sha256(salt || user_id)``. If
the salt were rendered into SQL with ``env_var()``, it would be written to the
compiled SQL under ``target/`` and to ``logs/dbt.log``. Instead this plugin,
named in ``profiles.yml``, reads the environment variable (default
``AUDIENCE_HASH_SALT``) and binds it as the DuckDB session variable
``audience_hash_salt`` on every connection and cursor, as a query *parameter*.
SQL reads it with ``getvariable('audience_hash_salt')``; session variables
live in memory only and are never stored in the database file.

It also binds the input file's path, from the environment variable
``USER_SEGMENTATION_INPUT`` (else the bundled sample; a relative path is
relative to ``USER_SEGMENTATION_PROJECT_DIR``, else to where dbt runs), as
``user_segmentation_input``, which the source reads with
``getvariable('user_segmentation_input')``. dbt records every environment
variable a file reads with ``env_var()`` while parsing and re-parses that file
when the value changes: a new input file would cost every build on it a
partial re-parse of the sources (~1.2 s). Read here, the path is not part of
the parse at all.
"""

from __future__ import annotations

import os
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

DEFAULT_SALT_ENV_VAR = "AUDIENCE_HASH_SALT"
SESSION_VARIABLE = "audience_hash_salt"
INPUT_ENV_VAR = "USER_SEGMENTATION_INPUT"
INPUT_VARIABLE = "user_segmentation_input"
DEFAULT_INPUT = "data/sample/user_profiles_sample.csv"


def salt_from_environment(env_var: str = DEFAULT_SALT_ENV_VAR) -> str:
    """The salt, or an empty string when the variable is unset."""
    return os.environ.get(env_var, "")


def bind_salt(connection: Any, salt: str) -> None:
    """Set the session variable on ``connection`` with a bound parameter (never in SQL text)."""
    connection.execute(f"set variable {SESSION_VARIABLE} = $1", [salt])


def input_path_from_environment(env_var: str = INPUT_ENV_VAR, default: str = DEFAULT_INPUT) -> str:
    """The input file's path: ``env_var``, else ``default``; relative to the project folder."""
    path = os.environ.get(env_var) or default
    if not os.path.isabs(path):
        path = os.path.join(os.environ.get("USER_SEGMENTATION_PROJECT_DIR", "."), path)
    return path


def bind_input_path(connection: Any, path: str) -> None:
    """Set the session variable the source reads the input file's path from (bound, not in SQL)."""
    connection.execute(f"set variable {INPUT_VARIABLE} = $1", [path])


class Plugin(BasePlugin):
    """Sets ``audience_hash_salt`` and ``user_segmentation_input`` on each DuckDB connection dbt opens."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.salt_env_var = str(plugin_config.get("salt_env_var", DEFAULT_SALT_ENV_VAR))
        self.input_env_var = str(plugin_config.get("input_env_var", INPUT_ENV_VAR))
        self.default_input = str(plugin_config.get("default_input", DEFAULT_INPUT))

    def _bind(self, connection: Any) -> None:
        bind_salt(connection, salt_from_environment(self.salt_env_var))
        bind_input_path(connection, input_path_from_environment(self.input_env_var, self.default_input))

    def configure_connection(self, conn: Any) -> None:
        self._bind(conn)

    def configure_cursor(self, cursor: Any) -> None:
        self._bind(cursor)
