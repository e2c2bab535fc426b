#!/usr/bin/env bash
# Set up with the test extras (see scripts/setup.sh) and run the whole test suite, slow
# end-to-end tests included. Extra arguments go to pytest (e.g. -m "not slow", -k login).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
