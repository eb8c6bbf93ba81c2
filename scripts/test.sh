#!/usr/bin/env bash
# The test command: set-up, then lint (ruff), types (mypy) and the test suite (pytest) on
# SQLite and, where a server answers (CI makes sure one does), PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/start-postgres.sh || echo "test: no PostgreSQL server; its tests will be skipped" >&2
scripts/start-cups.sh || echo "test: no CUPS queue; the printing test will be skipped" >&2
.venv/bin/ruff check assetctl tests benchmarks scripts lab playbooks
.venv/bin/ruff format --check assetctl tests benchmarks scripts lab playbooks
.venv/bin/mypy
(cd playbooks && ../.venv/bin/ansible-lint --offline -q)
exec .venv/bin/python -m pytest "$@"
