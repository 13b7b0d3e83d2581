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
DBT_ARGS ?=

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: help setup build test lint pytest dbt-test sql clean corpus

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

setup: $(BIN)/.installed ## create .venv and install the pinned requirements

build: setup ## build DATA (default: bundled sample) into DB, publishing only if every test passes
	$(BIN)/python -m user_segmentation build --data "$(DATA)" --db "$(DB)" --threads $(THREADS) $(DBT_ARGS)

lint: setup ## sqlfluff + ruff
	$(BIN)/ruff check python tests
	$(BIN)/ruff format --check python tests
	USER_SEGMENTATION_DB="$$(mktemp -d)/lint.duckdb" $(BIN)/sqlfluff lint models analyses macros tests/singular tests/generic

pytest: setup ## pytest (unit tests and end-to-end dbt builds on generated files)
	$(BIN)/python -m pytest

dbt-test: setup ## dbt build (all models and dbt tests) on the sample into a throwaway database
	$(BIN)/python -m user_segmentation build --data "$(DATA)" --db "$$(mktemp -d)/test.duckdb" --threads $(THREADS)

test: lint pytest dbt-test ## everything CI runs

corpus: setup ## write the bad-input corpus files (tests/corpus) to CORPUS (default build/corpus)
	$(BIN)/python tests/corpus/make_corpus.py "$${CORPUS:-build/corpus}"

clean: ## remove build outputs (keeps .venv)
	rm -rf target logs build
