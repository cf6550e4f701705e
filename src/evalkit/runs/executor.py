"""Where a batch's tasks run: one small interface, two engines.

``local`` is a process pool on this machine (the default); ``dask`` is Dask distributed, either a
``LocalCluster`` started for the batch or an existing cluster given by its scheduler's address.
A batch submits plain functions of plain arguments and reads their results in completion order::

    with start("local", jobs=2) as ex:
        futures = [ex.submit(pow, 2, k) for k in range(3)]
        done = sorted(f.result() for f in ex.as_completed(futures))

A Dask worker needs evalkit installed (the same version) and the project folder at the same path as
on the submitting machine (a shared file system): tasks carry paths, not data.
"""
from __future__ import annotations

import contextvars
import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import as_completed as _local_as_completed
from contextlib import contextmanager
from typing import Any, Literal, Protocol

from ..core.errors import EvalkitError

Engine = Literal["local", "dask"]
ENGINES: tuple[str, ...] = ("local", "dask")
PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal this process gets when its parent dies (linux/prctl.h)."""


class Executor(Protocol):
    """What a batch needs from an engine."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        """Start ``fn(*args)`` somewhere; return a future (``.result()``)."""

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        """The futures in the order they finish."""


class LocalExecutor:
    """A process pool on this machine (``jobs`` processes, default one per core).

    Workers are spawned, never forked: the submitting process may hold a running browser (its printer's
    threads and pipes), and a fork copies them mid-state into the child, which then waits forever. A worker dies
    with the process that started it (:func:`die_with_parent`): a batch killed with ``kill -9`` leaves no worker
    to archive a run nobody waits for, and the worker's kernel and browser follow it."""

    name = "local"

    def __init__(self, jobs: int | None = None):
        self.jobs = jobs or os.cpu_count() or 1
        self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=die_with_parent, initargs=(os.getpid(),))

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        return self._pool.submit(fn, *args)

    def as_completed(self, futures: Iterable[Future]) -> Iterator[Future]:
        return _local_as_completed(list(futures))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux ``PR_SET_PDEATHSIG``; elsewhere nothing); exit at
    once when the parent is already gone. Its own children follow: a Jupyter kernel polls for its parent, and
    Playwright's driver closes its browsers when its pipe closes."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


class DaskExecutor:
    """Dask distributed: a ``distributed.Client`` of a cluster (which it may own)."""

    name = "dask"

    def __init__(self, client: Any, cluster: Any = None):
        self.client = client
        self._cluster = cluster

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def as_completed(self, futures: Iterable[Any]) -> Iterator[Any]:
        from distributed import as_completed

        return iter(as_completed(list(futures)))

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


_current: contextvars.ContextVar[Executor | None] = contextvars.ContextVar("evalkit_executor", default=None)


@contextmanager
def start(engine: Engine = "local", *, jobs: int | None = None, scheduler: str | None = None,
          timeout: float = 30) -> Iterator[Executor]:
    """An executor for the length of a ``with`` block; it is also :func:`current` inside the block.

    ``engine="dask"`` with ``scheduler`` (``tcp://HOST:8786``) connects to an existing cluster;
    without it, a ``LocalCluster`` of ``jobs`` single-threaded worker processes is started.
    """
    if scheduler:
        engine = "dask"
    if engine not in ENGINES:
        raise EvalkitError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if engine == "local":
        ex: Any = LocalExecutor(jobs)
    else:
        from distributed import Client, LocalCluster

        if scheduler:
            try:
                ex = DaskExecutor(Client(scheduler, timeout=timeout))
            except OSError as exc:
                raise EvalkitError(f"cannot reach the Dask scheduler at {scheduler}: {exc}; "
                                   f"start one with `dask scheduler` and workers with `dask worker {scheduler}`") from None
        else:
            cluster = LocalCluster(n_workers=jobs or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            ex = DaskExecutor(Client(cluster), cluster)
    token = _current.set(ex)
    try:
        yield ex
    finally:
        _current.reset(token)
        ex.close()


@contextmanager
def current(jobs: int | None = None) -> Iterator[Executor]:
    """The executor to submit sub-tasks to: the enclosing :func:`start` block's; inside a Dask task,
    the task's cluster (the task leaves its worker slot while it waits); otherwise a local pool."""
    ex = _current.get()
    if ex is not None:
        yield ex
        return
    try:
        from distributed import get_worker, worker_client

        get_worker()
    except (ImportError, ValueError):
        with start("local", jobs=jobs) as local:
            yield local
        return
    with worker_client() as client:
        yield DaskExecutor(client)


def result(future: Any) -> tuple[Any, BaseException | None]:
    """A future's value, or the exception it raised, whatever its type (a lost worker, a killed process)."""
    try:
        return future.result(), None
    except Exception as exc:  # any failure of one task is that task's, never the batch's
        return None, exc
