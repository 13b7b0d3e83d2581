# Two commands for a new user (see README.md):
#   make build   set up .venv, build the bundled sample (or DATA=...) into DB=...
#   make test    lint, pytest, and dbt build (all dbt tests) on a throwaway database
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= data/sample/user_profiles_sample.csv
DB ?= build/user_segmentation.duckdb
THREADS ?= 2
# DuckDB's memory limit of make build (default: $USER_SEGMENTATION_MEMORY_LIMIT, else 1GB)
MEMORY_LIMIT ?=
DBT_ARGS ?=
VARS ?=
DOCS_DIR ?= build/docs
DOCS_PORT ?= 8080
REPORT_DIR ?= build/report
# Folder of the campaign audience files (default: $USER_SEGMENTATION_EXPORT_DIR, else exports/audiences)
EXPORT_DIR ?=

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: help setup build test lint pytest dbt-test sql analysis clean bench docs serve-docs report corpus

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

setup: $(BIN)/.installed ## create .venv and install the pinned requirements

build: setup ## build DATA (default: bundled sample) into DB, publishing only if every test passes; then the report
	$(BIN)/python -m user_segmentation build --data "$(DATA)" --db "$(DB)" --threads $(THREADS) $(if $(MEMORY_LIMIT),--memory-limit "$(MEMORY_LIMIT)") $(if $(EXPORT_DIR),--export-dir "$(EXPORT_DIR)") $(if $(VARS),--vars "$(VARS)") $(if $(DBT_ARGS),-- $(DBT_ARGS))
	$(BIN)/python -m user_segmentation.report --db "$(DB)" --out "$(REPORT_DIR)"

lint: setup ## sqlfluff + ruff
	@mkdir -p build
	$(BIN)/ruff check python tests
	$(BIN)/ruff format --check python tests
	USER_SEGMENTATION_DB="$$(mktemp -d)/lint.duckdb" $(BIN)/sqlfluff lint models analyses macros tests/singular tests/generic

pytest: setup ## pytest (unit tests and end-to-end dbt builds on generated files)
	$(BIN)/python -m pytest

dbt-test: setup ## dbt build (all models, data tests and unit tests) on the sample into a throwaway database
	tmp="$$(mktemp -d)" && $(BIN)/python -m user_segmentation build --unit-tests --data "$(DATA)" --db "$$tmp/test.duckdb" --export-dir "$$tmp/audiences" --threads $(THREADS)

test: lint pytest dbt-test ## everything CI runs

docs: setup ## dbt docs of the built DB, as one static page DOCS_DIR/index.html (+ manifest, catalog)
	$(BIN)/python -m user_segmentation.docs_site generate --db "$(DB)" --data "$(DATA)" --out "$(DOCS_DIR)"

serve-docs: setup ## serve DOCS_DIR on http://127.0.0.1:DOCS_PORT (make docs first)
	$(BIN)/python -m user_segmentation.docs_site serve --out "$(DOCS_DIR)" --port $(DOCS_PORT)

report: setup ## static HTML report with PNG charts from the marts of DB, in REPORT_DIR/index.html
	$(BIN)/python -m user_segmentation.report --db "$(DB)" --out "$(REPORT_DIR)"

# --- Issue 3: exploring the built database -------------------------------
# make sql                      read-only SQL prompt on DB (the pinned duckdb; see README "Exploring")
# make sql SQL="select 1"       run one statement and exit
# make analysis NAME=interest_pairs   compile analyses/NAME.sql with dbt and run it on DB
sql: setup ## read-only SQL prompt on DB (SQL="..." runs one statement and exits)
	$(BIN)/python -m user_segmentation sql --db "$(DB)" $(if $(SQL),--command "$(SQL)")

analysis: setup ## compile analyses/NAME.sql with dbt and run it on DB
	@test -n "$(NAME)" || { echo "usage: make analysis NAME=<file in analyses/ without .sql> [DB=...]"; ls analyses/*.sql; exit 2; }
	$(BIN)/python -m user_segmentation sql --db "$(DB)" --analysis "$(NAME)" --max-rows 200

corpus: setup ## write the bad-input corpus files (tests/corpus) to CORPUS (default build/corpus)
	$(BIN)/python tests/corpus/make_corpus.py "$${CORPUS:-build/corpus}"

clean: ## remove build outputs (keeps .venv)
	rm -rf target logs build

SIZES ?= 1k,100k,1M,10M
BENCH_ARGS ?=

bench: setup ## benchmark dbt build vs the notebook pipeline (SIZES=1k,100k,1M,10M) -> bench/results/
	$(BIN)/python bench/run.py --sizes "$(SIZES)" $(BENCH_ARGS)
