#!/usr/bin/env bash
# The scheduled run that cron, systemd and CI call: every params file; periods whose inputs, parameters,
# framework, code and environment are unchanged since their archived run are skipped ("unchanged");
# one line per finished run; then the ledger and every archived run are verified. Exit 0 when all is well.
# EVALKIT_PARAMS and EVALKIT_OUTPUTS override params/ and outputs/.
set -euo pipefail
cd "$(dirname "$0")/.."
OUTPUTS="${EVALKIT_OUTPUTS:-outputs}"
.venv/bin/evalkit run --all --params "${EVALKIT_PARAMS:-params}" --outputs "$OUTPUTS"
.venv/bin/evalkit ledger verify --outputs "$OUTPUTS"
