#!/usr/bin/env bash
# The CI recipe's durable archive: outputs/ (the archived runs and the ledger) lives on the repository's branch
# `evalkit-archive`, one commit per night, so that the record outlasts any cache or artifact and every change to it
# is in git's history. `restore` checks the branch out as outputs/ (an empty branch the first time); `keep` commits
# what the night added and pushes it. EVALKIT_ARCHIVE_BRANCH names another branch.
set -euo pipefail
cd "$(dirname "$0")/.."
BRANCH="${EVALKIT_ARCHIVE_BRANCH:-evalkit-archive}"
case "${1:-}" in
restore)
    git config user.name >/dev/null || git config user.name "evalkit scheduled run"
    git config user.email >/dev/null || git config user.email "evalkit@localhost"
    if git fetch --quiet origin "$BRANCH" 2>/dev/null; then
        git worktree add --quiet -B "$BRANCH" outputs FETCH_HEAD
    else
        git worktree add --quiet --orphan -b "$BRANCH" outputs 2>/dev/null || {
            git worktree add --quiet --detach outputs && git -C outputs checkout --quiet --orphan "$BRANCH" && git -C outputs rm -rfq . 2>/dev/null || true; }
    fi
    printf '.locks/\n.pending/\n.scheduled-run.lock\n*.partial\n' > outputs/.gitignore
    ;;
keep)
    git -C outputs add -A
    if git -C outputs diff --cached --quiet; then echo "archive: nothing new"; exit 0; fi
    git -C outputs commit --quiet -m "scheduled run $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
    git -C outputs push --quiet origin "HEAD:$BRANCH"
    echo "archive: pushed to $BRANCH"
    ;;
*)
    echo "usage: deploy/archive-branch.sh restore|keep" >&2
    exit 2
    ;;
esac
