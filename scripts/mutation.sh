#!/usr/bin/env bash
# Mutation testing (mutmut) of the rules that matter most: the lifecycle, the recommendation
# rule and the sanitisation method choice ([tool.mutmut] in pyproject.toml). Not in CI: it
# takes minutes. Surviving mutants are listed at the end; docs/mutation.md says which were
# killed and why the others are left.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/python -m pip install -q --disable-pip-version-check 'mutmut>=3.8,<4' >&2
rm -rf mutants
.venv/bin/mutmut run --max-children "${MUTMUT_CHILDREN:-2}" || true
.venv/bin/mutmut results
