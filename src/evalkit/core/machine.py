"""Whether this machine has a core to spare now: the rule by which a run uses a second process or a second browser
only where it would not slow the other work on the machine (a batch, a test suite) down."""
from __future__ import annotations

import os
from pathlib import Path


def spare_core() -> bool:
    """Whether a second process would find a core of its own: this process may use more than one, no other task is
    running on the others now (``/proc/loadavg``), and the load average of the last minute is under one more than
    their number (a busy machine that happens to be quiet at this instant stays busy)."""
    cores = len(os.sched_getaffinity(0))
    return cores > 1 and running() - 1 <= cores - 2 and os.getloadavg()[0] < cores + 1


def running() -> int:
    """The tasks running or ready to run on this machine now, this one included (1 where the kernel does not say)."""
    try:
        return int(Path("/proc/loadavg").read_text().split()[3].split("/")[0])
    except (OSError, IndexError, ValueError):
        return 1
