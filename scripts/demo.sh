#!/usr/bin/env bash
# Set up (see scripts/setup.sh) and run the main job, `collector demo`, on the embedded mock
# Seller Center. Extra arguments go to `collector demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/collector demo "$@"
