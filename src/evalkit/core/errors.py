"""Exceptions: one base class, narrow subclasses, messages that say how to fix the problem."""
from __future__ import annotations

import errno
from dataclasses import dataclass


class EvalkitError(Exception):
    """Base class of every error evalkit raises on purpose."""


class ParameterError(EvalkitError, ValueError):
    """A run parameter (weights, options, period) is not acceptable."""


class OutputExistsError(EvalkitError):
    """A file or folder evalkit would write exists already; evalkit never overwrites one."""


class RunBusyError(EvalkitError):
    """Another run of the same city and period holds its lock; this one refuses rather than race it."""


class StorageError(EvalkitError):
    """The outputs folder cannot be written (read-only, full, not a folder); nothing was archived."""


def storage_reason(exc: OSError) -> str:
    """Why a file could not be written, in a few words (English and Chinese)."""
    return {errno.ENOSPC: "the disk is full (磁盘已满)", errno.EROFS: "the file system is read-only (文件系统只读)",
            errno.EACCES: "permission denied (没有写权限)", errno.EPERM: "permission denied (没有写权限)",
            errno.EDQUOT: "the disk quota is exceeded (磁盘配额已满)",
            errno.ENOTDIR: "a file stands where a folder is expected (应为目录的位置是一个文件)"}.get(exc.errno, exc.strerror or str(exc))


class RunError(EvalkitError):
    """A notebook failed; the message says which cell and why, and where its executed copy is."""


class FrameworkError(EvalkitError):
    """A framework or entity file breaks a rule of METHOD.md §3."""


@dataclass(frozen=True)
class Problem:
    """One problem with an input table, located as Excel shows it."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    sheet: str | None = None
    zh: str = ""  # the same in Chinese, for the people who fix the file

    def __str__(self) -> str:
        where = self.file
        if self.sheet:
            where += f", sheet {self.sheet!r}"
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class InputError(EvalkitError):
    """Input data are wrong; ``problems`` lists every problem found in one pass."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} input problem(s):\n{lines}")
