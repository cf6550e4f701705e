"""The rule by which a run takes a second process or browser: only with a core to spare."""
from __future__ import annotations

import os

from evalkit.core import machine


def test_a_busy_machine_or_a_single_core_has_no_core_to_spare(monkeypatch):
    cores = len(os.sched_getaffinity(0))
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(machine, "running", lambda: 1)
    assert machine.spare_core() == (cores > 1)  # an idle machine
    monkeypatch.setattr(machine, "running", lambda: cores)  # another task on each other core now
    assert not machine.spare_core()
    monkeypatch.setattr(machine, "running", lambda: 1)
    monkeypatch.setattr(os, "getloadavg", lambda: (cores + 1.0, 0.0, 0.0))  # busy over the last minute, quiet this instant
    assert not machine.spare_core()
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})  # a worker pinned to one core
    assert not machine.spare_core()


def test_running_counts_this_process():
    assert machine.running() >= 1
