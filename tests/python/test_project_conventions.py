"""The project's own rules, checked on the dbt manifest and catalog:
every model and every column documented, every macro and generic test
documented with each of its arguments, every model with a primary-key test
(or an enforced primary-key constraint),
layer prefixes and folders, no model reading a source except staging."""

from __future__ import annotations

import json
import re

import jinja2
import pytest
from conftest import REPO
from user_segmentation import runner

pytestmark = pytest.mark.e2e

PREFIX_BY_FOLDER = {"staging": ("stg_",), "intermediate": ("int_",), "marts": ("fct_", "dim_")}


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    """Build the bundled sample, then generate docs; return (manifest, catalog)."""
    folder = tmp_path_factory.mktemp("docs")
    database = folder / "docs.duckdb"
    runner.build(REPO / "data/sample/user_profiles_sample.csv", database, capture=True)
    target = folder / "target"
    result = runner.run_dbt(
        ["docs", "generate", "--target-path", str(target)],
        database=database,
        dbt_vars={"input_path": str(REPO / "data/sample/user_profiles_sample.csv")},
        capture=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    return manifest, catalog


@pytest.fixture(scope="module")
def parsed_manifest(tmp_path_factory):
    """The manifest of ``dbt parse`` alone: macros and their properties need no build."""
    folder = tmp_path_factory.mktemp("parse")
    target = folder / "target"
    result = runner.run_dbt(["parse"], database=folder / "parse.duckdb", target_path=target, capture=True)
    assert result.returncode == 0, result.stdout[-3000:]
    return json.loads((target / "manifest.json").read_text())


def project_models(manifest):
    return {
        key: node
        for key, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == "user_segmentation"
    }


def test_every_model_and_column_is_documented(artifacts):
    manifest, catalog = artifacts
    missing = []
    for key, node in project_models(manifest).items():
        if not node["description"].strip():
            missing.append(f"{node['name']}: no model description")
        columns = catalog["nodes"].get(key, {}).get("columns", {})
        documented = {name.lower(): col for name, col in node["columns"].items()}
        for name in columns:
            col = documented.get(name.lower())
            if col is None or not col["description"].strip():
                missing.append(f"{node['name']}.{name}")
    assert not missing, "undocumented: " + ", ".join(missing)


# the signature of a macro or generic test: `{% macro name(...) %}` / `{% test name(...) %}`
MACRO_SIGNATURE = re.compile(r"\{%-?\s*(?:macro|test)\s+\w+\s*\((?P<arguments>.*?)\)\s*-?%\}", re.DOTALL)


def signature_arguments(macro_sql: str) -> list[str]:
    """The argument names of a macro's Jinja signature, in order (defaults dropped)."""
    signature = MACRO_SIGNATURE.search(macro_sql)
    assert signature, f"no macro signature in {macro_sql[:200]!r}"
    template = jinja2.Environment().parse("{% macro m(" + signature["arguments"] + ") %}{% endmacro %}")
    return [argument.name for argument in next(template.find_all(jinja2.nodes.Macro)).args]


def test_every_macro_and_generic_test_is_documented(parsed_manifest):
    """macros/_macros__docs.yml and tests/generic/_generic_tests__docs.yml: a
    description for every macro and generic test (``test_<name>``), and every
    argument of its signature documented, in order, with a type and a description."""
    macros = [
        macro for macro in parsed_manifest["macros"].values() if macro["package_name"] == "user_segmentation"
    ]
    paths = {macro["original_file_path"].split("/")[0] for macro in macros}
    assert {"macros", "tests"} <= paths, f"project macros not found in the manifest (from {paths})"
    missing = []
    for macro in sorted(macros, key=lambda macro: macro["name"]):
        name = macro["name"]
        if not macro["description"].strip():
            missing.append(f"{name}: no description")
        documented = [argument["name"] for argument in macro["arguments"]]
        signature = signature_arguments(macro["macro_sql"])
        if documented != signature:
            missing.append(f"{name}: arguments documented {documented}, signature {signature}")
        for argument in macro["arguments"]:
            for field in ("type", "description"):
                if not (argument.get(field) or "").strip():
                    missing.append(f"{name}({argument['name']}): no {field}")
    assert not missing, "undocumented macros and arguments: " + "; ".join(missing)


def has_primary_key_constraint(node) -> bool:
    """An enforced contract with a primary key: DuckDB checks it (unique, not null) while writing."""
    if not node.get("contract", {}).get("enforced"):
        return False
    constraints = list(node.get("constraints") or [])
    for column in node["columns"].values():
        constraints += column.get("constraints") or []
    return any(constraint.get("type") == "primary_key" for constraint in constraints)


def test_every_model_has_a_primary_key_test(artifacts):
    manifest, _ = artifacts
    tested = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        meta = node.get("test_metadata") or {}
        name = meta.get("name")
        attached = node.get("attached_node")
        if not attached:
            continue
        tested.setdefault(attached, set())
        if name in ("unique_combination_of_columns", "primary_key"):
            tested[attached].add("pk")
        elif name in ("unique", "not_null"):
            tested[attached].add(f"{name}:{node.get('column_name')}")
    lacking = []
    for key, node in project_models(manifest).items():
        if has_primary_key_constraint(node):
            continue
        tests = tested.get(key, set())
        uniques = {t.split(":", 1)[1] for t in tests if t.startswith("unique:")}
        not_nulls = {t.split(":", 1)[1] for t in tests if t.startswith("not_null:")}
        if "pk" not in tests and not (uniques & not_nulls):
            lacking.append(node["name"])
    assert not lacking, "models without a primary-key test: " + ", ".join(lacking)


def test_layer_prefixes_and_source_use(artifacts):
    manifest, _ = artifacts
    problems = []
    for node in project_models(manifest).values():
        folder = node["original_file_path"].split("/")[1]
        prefixes = PREFIX_BY_FOLDER.get(folder)
        if prefixes and not node["name"].startswith(prefixes):
            problems.append(f"{node['name']} in models/{folder} should start with {prefixes}")
        if node["depends_on"]["nodes"] and folder != "staging":
            sources = [n for n in node["depends_on"]["nodes"] if n.startswith("source.")]
            if sources:
                problems.append(f"{node['name']} reads a source outside staging")
    assert not problems, "; ".join(problems)
