"""Atomic writes: a failed write leaves the old file or nothing."""
from __future__ import annotations

import errno
from pathlib import Path

import pytest

from evalkit.core import files



def test_write_atomic_leaves_the_old_file_or_nothing_on_a_full_disk(tmp_path, monkeypatch):
    target = tmp_path / "failed.ipynb"
    real_open = Path.open

    def full(self, mode="r", *a, **kw):
        fh = real_open(self, mode, *a, **kw)
        if "w" in mode:
            def write(data):
                raise OSError(errno.ENOSPC, "No space left on device")
            fh.write = write
        return fh
    monkeypatch.setattr(Path, "open", full)
    with pytest.raises(OSError):
        files.write_atomic(target, b"{}")
    assert list(tmp_path.iterdir()) == []  # no truncated file, no temporary file
