"""The project's generic dbt tests, rendered from tests/generic/ and run on small tables.

dbt itself only ever sees them pass on a good build; here each is shown the
problem it exists to find.
"""

from __future__ import annotations

import re

import duckdb
import jinja2
import pytest
from conftest import REPO


def render_test(name: str, **arguments) -> str:
    """The SQL of generic test ``name`` for ``arguments`` (the body between {% test %} and {% endtest %})."""
    text = (REPO / "tests" / "generic" / f"{name}.sql").read_text()
    body = re.search(r"{%\s*test\s+" + name + r"\(.*?\)\s*%}(.*){%\s*endtest\s*%}", text, re.S)
    assert body, f"no test block in {name}.sql"
    return jinja2.Template(body.group(1)).render(**arguments)


@pytest.mark.parametrize(
    ("rows", "problems"),
    [
        ([1, 2, 3], []),
        ([1, 2, 2, 3], [(2, 2, "duplicate key")]),
        ([1, None, 3, None], [(None, 2, "null key")]),
        ([None, 5, 5, 5], [(None, 1, "null key"), (5, 3, "duplicate key")]),
    ],
)
def test_primary_key_finds_null_and_repeated_keys(rows, problems):
    con = duckdb.connect()
    con.execute("create table users (user_id bigint)")
    con.executemany("insert into users values (?)", [(row,) for row in rows])
    sql = render_test("primary_key", model="users", column_name="user_id")
    found = con.execute(f"select * from ({sql}) order by key_value nulls first").fetchall()
    assert found == problems
