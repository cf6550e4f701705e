"""Executing a notebook with papermill on the project's kernel, and saying why it failed.

Kernels talk over IPC sockets at a path unique to the execution, so parallel runs never race for TCP ports.
"""
from __future__ import annotations

import functools
import os
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from ..core.errors import EvalkitError
from ..inputs.params import RunSpec

KERNEL = "evalkit"
"""The project's Jupyter kernel, registered by ``make setup``."""
ENGINE = "evalkit"
"""The papermill engine runs use (:func:`_save_at_end_engine`)."""


class IPCKernelManager(AsyncKernelManager):
    """A kernel on IPC sockets under a path of its own: no TCP port to collide on."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.ip = os.path.join(tempfile.gettempdir(), f"evalkit-kernel-{uuid.uuid4().hex}")

    async def _async_interrupt_kernel(self) -> None:
        """No SIGINT on the way out: jupyter_client interrupts the kernel before asking it to shut down,
        and ipykernel then logs "KeyboardInterrupt caught in kernel" to stderr when the interrupt lands
        after the last cell (a race, about one run in four). A finished notebook has nothing to interrupt;
        the shutdown request ends the kernel, or jupyter_client kills it after its wait."""
        if not self.shutting_down:
            await super()._async_interrupt_kernel()


@functools.cache
def _save_at_end_engine():
    """papermill's nbclient engine, saving the executed notebook once when execution ends (finished, failed or
    timed out: papermill's ``notebook_complete`` saves it in every case) instead of at every cell's start and
    end as well; those saves rewrite the whole notebook, charts included, about sixty times a run."""
    from papermill.engines import NBClientEngine

    class SaveAtEnd(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            path, nb_man.output_path = nb_man.output_path, None
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            finally:
                nb_man.output_path = path

    return SaveAtEnd


def check_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    if KERNEL not in KernelSpecManager().find_kernel_specs():
        raise EvalkitError(f"the Jupyter kernel {KERNEL!r} is not registered: run `make setup` "
                           f"(or `python -m ipykernel install --sys-prefix --name {KERNEL}`)")


def execute(notebook: Path, output: Path, parameters: dict[str, Any], *, timeout: int, cwd: Path,
            on_cell: Callable[..., None] | None = None) -> None:
    """papermill with the project's kernel and a per-cell timeout; raises papermill's error on failure. ``on_cell`` is
    called with each executed cell (nbclient's ``on_cell_executed`` hook)."""
    import papermill
    from papermill.engines import papermill_engines

    check_kernel()
    papermill_engines.register(ENGINE, _save_at_end_engine())
    papermill.execute_notebook(str(notebook), str(output), parameters=parameters, kernel_name=KERNEL, progress_bar=False,
                               cwd=str(cwd), execution_timeout=timeout, kernel_manager_class=IPCKernelManager, engine_name=ENGINE,
                               on_cell_executed=on_cell)
    stable_cell_ids(output)


def stable_cell_ids(path: Path) -> None:
    """Give papermill's injected-parameters cell a fixed id instead of a random one, so that equal runs give
    equal notebooks and reports (nbconvert writes cell ids into the HTML)."""
    import nbformat

    if not path.is_file():
        return
    nb = nbformat.read(str(path), as_version=4)
    cells = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    if cells and cells[0].get("id") != "injected-parameters":
        cells[0]["id"] = "injected-parameters"
        tmp = path.with_name(f".{path.name}.tmp")
        nbformat.write(nb, str(tmp))
        os.replace(tmp, path)


def failure(spec: RunSpec, exc: Exception, kept: Path | None) -> str:
    """One paragraph: which cell failed, with what error, and where the executed notebook is."""
    from papermill.exceptions import PapermillExecutionError

    where = f"; the executed notebook is kept at {kept}" if kept else ""
    if isinstance(exc, PapermillExecutionError):
        return f"{spec.label}: cell {exc.exec_count} of {spec.notebook.name} failed with {exc.ename}: {exc.evalue.strip()}{where}"
    return f"{spec.label}: {spec.notebook.name} could not run: {type(exc).__name__}: {exc}{where}"
