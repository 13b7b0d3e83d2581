"""The dbt docs site: generate it from a built database, and serve it on localhost.

``make docs`` calls :func:`generate`: ``dbt docs generate --static`` against
the built database (the catalog needs it for column types), in a target folder
of its own so it never races another dbt command, then copies into the docs
folder (default ``build/docs/``):

* ``index.html``: the single static page (manifest and catalog inlined), which
  opens straight from disk (``file://``) with no server and no network;
* ``manifest.json`` and ``catalog.json``: the artifacts, for tools.

``make serve-docs`` calls :func:`serve`: a plain HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import logging
import shutil
import sys
import tempfile
from pathlib import Path

from user_segmentation import runner

log = logging.getLogger(__name__)

DEFAULT_OUT = Path("build/docs")
DEFAULT_PORT = 8080
ARTIFACTS = ("manifest.json", "catalog.json")


class DocsError(RuntimeError):
    """The docs could not be generated."""


def generate(
    database: str | Path,
    out_dir: str | Path = DEFAULT_OUT,
    input_path: str | Path | None = None,
    project_dir: Path = runner.PROJECT_DIR,
    capture: bool = False,
) -> Path:
    """Generate the docs of the project built in ``database``; return ``out_dir/index.html``."""
    database = Path(database).expanduser().resolve()
    if not database.is_file():
        raise DocsError(f"database {database} does not exist: build it first (make build DB={database})")
    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dbt-docs-") as tmp:
        target = Path(tmp) / "target"
        result = runner.run_dbt(
            ["docs", "generate", "--static", "--target-path", str(target)],
            database=database,
            input_path=Path(input_path).expanduser().resolve() if input_path else None,
            project_dir=project_dir,
            capture=capture,
        )
        if result.returncode != 0:
            detail = "\n" + (result.stdout or "")[-3000:] if capture else ""
            raise DocsError(f"dbt docs generate failed against {database}.{detail}")
        static = target / "static_index.html"
        if not static.is_file():
            raise DocsError(f"dbt docs generate wrote no {static.name}")
        index = out / "index.html"
        shutil.copyfile(static, index)
        for name in ARTIFACTS:
            shutil.copyfile(target / name, out / name)
    log.info("docs site written to %s", index)
    return index


def serve(out_dir: str | Path = DEFAULT_OUT, port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> None:
    """Serve ``out_dir`` on http://host:port/ until interrupted."""
    folder = Path(out_dir).expanduser().resolve()
    if not (folder / "index.html").is_file():
        raise DocsError(f"no docs site in {folder}: run make docs first")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer((host, port), handler) as server:
        sys.stdout.write(f"Serving the dbt docs site on http://{host}:{port}/ (Ctrl-C to stop)\n")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m user_segmentation.docs_site", description="Generate or serve the dbt docs site."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="dbt docs generate --static against a built database")
    gen.add_argument("--db", required=True, help="built DuckDB database")
    gen.add_argument("--data", help="input file the database was built from (sets USER_SEGMENTATION_INPUT)")
    gen.add_argument("--out", default=str(DEFAULT_OUT), help=f"docs folder ({DEFAULT_OUT})")
    srv = sub.add_parser("serve", help="serve the docs folder on localhost")
    srv.add_argument("--out", default=str(DEFAULT_OUT), help=f"docs folder ({DEFAULT_OUT})")
    srv.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT})")
    srv.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        if args.command == "generate":
            index = generate(args.db, args.out, input_path=args.data)
            sys.stdout.write(
                f"Docs site: {index} (open it directly, or: make serve-docs)\n"
                f"Artifacts: {', '.join(str(index.parent / a) for a in ARTIFACTS)}\n"
            )
        else:
            serve(args.out, args.port, args.host)
    except DocsError as error:
        sys.stderr.write(f"{error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
