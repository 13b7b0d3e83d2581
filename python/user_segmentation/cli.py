"""Command line entry points: ``python -m user_segmentation <command>``."""

from __future__ import annotations

import argparse
import logging
import sys

from user_segmentation import runner, sql_prompt, synthetic


def _generate(args: argparse.Namespace) -> int:
    progress = None if args.quiet else synthetic._text_progress
    synthetic.write_users(
        args.output,
        n_users=args.users,
        seed=args.seed,
        planted_segments=args.planted_segments,
        planted_noise=args.planted_noise,
        chunk_size=args.chunk_size,
        progress=progress,
    )
    return 0


def _parse_vars(text: str | None) -> dict:
    """Parse ``--vars`` (YAML or JSON mapping); a clear error when it is not a mapping."""
    if not text:
        return {}
    import yaml

    value = yaml.safe_load(text)
    if not isinstance(value, dict):
        raise SystemExit(f"--vars must be a mapping such as '{{k_max: 6}}', got: {text!r}")
    if "input_path" in value:
        raise SystemExit("--vars cannot set input_path: give the file with --data")
    return value


def _build(args: argparse.Namespace) -> int:
    dbt_args = list(args.dbt_args)
    if dbt_args[:1] == ["--"]:
        dbt_args = dbt_args[1:]
    try:
        result = runner.build(
            args.data,
            args.db,
            threads=args.threads,
            extra_args=dbt_args,
            capture=args.quiet,
            dbt_vars=_parse_vars(args.vars),
            export_dir=args.export_dir,
            export_audiences=not args.no_export,
            unit_tests=args.unit_tests,
            memory_limit=args.memory_limit,
        )
    except runner.BuildError as error:
        sys.stderr.write(f"\nBuild refused: {error}\n")
        return 1
    sys.stdout.write(runner.describe(result) + "\n")
    return 0


def _sql(args: argparse.Namespace) -> int:
    return sql_prompt.main(
        args.db,
        command=args.command,
        file=args.file,
        analysis=args.analysis,
        max_rows=args.max_rows,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="user-segmentation", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser(
        "generate",
        help="write N synthetic users with the reference schema (CSV, or Parquet by extension)",
    )
    gen.add_argument("output", help="file to write: .csv or .parquet")
    gen.add_argument("-n", "--users", type=int, default=1000, help="number of users (1000)")
    gen.add_argument("--seed", type=int, default=42, help="random seed (42)")
    gen.add_argument(
        "--planted-segments",
        type=int,
        default=0,
        help="plant K well-separated segments and write <output>.labels.csv (0: none)",
    )
    gen.add_argument(
        "--planted-noise",
        type=float,
        default=0.04,
        help="noise of planted segments as a share of each numeric range (0.04)",
    )
    gen.add_argument("--chunk-size", type=int, default=1_000_000, help="rows per chunk")
    gen.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    gen.set_defaults(func=_generate)

    bld = sub.add_parser(
        "build",
        help="dbt build into <db>.building/, then publish <db> atomically if every test passed",
    )
    bld.add_argument("--data", required=True, help="input file (.csv or .parquet)")
    bld.add_argument("--db", required=True, help="published DuckDB database file")
    bld.add_argument("--threads", type=int, default=2, help="dbt threads (2)")
    bld.add_argument(
        "--memory-limit",
        default=None,
        help="DuckDB's memory limit, e.g. 2GB ($USER_SEGMENTATION_MEMORY_LIMIT, else 1GB); "
        "more helps inputs of tens of millions of users",
    )
    bld.add_argument(
        "--export-dir",
        default=None,
        help="folder for the campaign audience files ($USER_SEGMENTATION_EXPORT_DIR, else exports/audiences)",
    )
    bld.add_argument("--no-export", action="store_true", help="do not write audience files")
    bld.add_argument(
        "--unit-tests",
        action="store_true",
        help="also run dbt's unit tests (left out by default as in production builds; make test runs them)",
    )
    bld.add_argument(
        "--vars",
        default=None,
        help="dbt vars as a YAML or JSON mapping, e.g. '{k_max: 6}' (input_path comes from --data)",
    )
    bld.add_argument("-q", "--quiet", action="store_true", help="do not echo dbt's output")
    bld.add_argument(
        "dbt_args",
        nargs=argparse.REMAINDER,
        help="extra arguments for dbt build, after -- (e.g. -- --select +tag:staging)",
    )
    bld.set_defaults(func=_build)

    sql = sub.add_parser(
        "sql",
        help="read-only SQL prompt on a built database (interactive, or -c/-f/--analysis/stdin)",
    )
    sql.add_argument(
        "--db",
        default="build/user_segmentation.duckdb",
        help="database file (build/user_segmentation.duckdb)",
    )
    run_once = sql.add_mutually_exclusive_group()
    run_once.add_argument("-c", "--command", help="run this SQL, print the result, exit")
    run_once.add_argument("-f", "--file", help="run the SQL in this file, print the results, exit")
    run_once.add_argument(
        "--analysis", help="compile analyses/NAME.sql with dbt, run it, print the result, exit"
    )
    sql.add_argument(
        "--max-rows",
        type=int,
        default=sql_prompt.DEFAULT_MAX_ROWS,
        help=f"rows shown per result ({sql_prompt.DEFAULT_MAX_ROWS})",
    )
    sql.set_defaults(func=_sql)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
