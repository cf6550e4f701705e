#!/usr/bin/env bash
# The scheduled run that cron, systemd and CI call: every params file (periods unchanged since their archived run are
# skipped), then the ledger and every archived run verified, always, whatever the runs gave.
#
# - Log: $EVALKIT_OUTPUTS/scheduled-run.log (default outputs/), its folder made if missing; every line stamped with
#   the time, every night opened by a separator line; rotated when over EVALKIT_LOG_BYTES (default 10 MB), 5 kept.
# - One at a time: a second start waits up to EVALKIT_WAIT seconds (default 3600) for the first to finish, then
#   gives up with a line saying so (exit 75), never a false "another run is under way" failure.
# - Silent when all is well (cron mails nothing); on any failure the night's lines go to stderr and the exit code is
#   non-zero, so cron mails them (MAILTO), systemd marks the unit failed (OnFailure=) and CI fails the job.
#   EVALKIT_ECHO=1 (CI) also shows the night's lines on stdout as they come.
# EVALKIT_PARAMS and EVALKIT_OUTPUTS override params/ and outputs/.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
OUTPUTS="${EVALKIT_OUTPUTS:-outputs}"
LOG="$OUTPUTS/scheduled-run.log"
KEEP=5
mkdir -p "$OUTPUTS" || { echo "evalkit scheduled run: cannot create $OUTPUTS" >&2; exit 1; }

stamp() {  # every line of stdin, with the time, into the log (and on stdout with EVALKIT_ECHO=1)
    while IFS= read -r line; do
        line="$(date '+%Y-%m-%d %H:%M:%S%z') [$$] $line"
        printf '%s\n' "$line" >> "$LOG"
        [ "${EVALKIT_ECHO:-0}" = 1 ] && printf '%s\n' "$line"
    done
    return 0
}

rotate() {  # scheduled-run.log -> .1 -> ... -> .5, when it has grown past the limit
    local size
    size=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
    [ "$size" -gt "${EVALKIT_LOG_BYTES:-10485760}" ] || return 0
    for k in $(seq $((KEEP - 1)) -1 1); do
        [ -f "$LOG.$k" ] && mv -f "$LOG.$k" "$LOG.$((k + 1))"
    done
    mv -f "$LOG" "$LOG.1"
}

exec 9>>"$OUTPUTS/.scheduled-run.lock"
if ! flock -w "${EVALKIT_WAIT:-3600}" 9; then
    echo "another scheduled run still holds $OUTPUTS/.scheduled-run.lock after ${EVALKIT_WAIT:-3600} s: this run skipped" | stamp
    echo "evalkit scheduled run skipped: another one is still running (see $LOG)" >&2
    exit 75
fi
rotate
before=0
[ -f "$LOG" ] && before=$(wc -l < "$LOG")
first_line=$((before + 1))
echo "===== scheduled run, $(date '+%Y-%m-%d %H:%M:%S%z'), outputs $OUTPUTS =====" | stamp

.venv/bin/evalkit run --all --params "${EVALKIT_PARAMS:-params}" --outputs "$OUTPUTS" 2>&1 | stamp
run_status=${PIPESTATUS[0]}
.venv/bin/evalkit ledger verify --outputs "$OUTPUTS" 2>&1 | stamp  # always: a bad input anywhere never skips the check
verify_status=${PIPESTATUS[0]}
echo "runs: exit $run_status; ledger verify: exit $verify_status" | stamp

if [ "$run_status" -ne 0 ] || [ "$verify_status" -ne 0 ]; then
    {
        echo "evalkit scheduled run FAILED (runs: exit $run_status; ledger verify: exit $verify_status); the night's log ($LOG):"
        tail -n "+$first_line" "$LOG"
    } >&2
    exit 1
fi
exit 0
