"""Where sweeps run: serially, on a local process pool, or on a Dask cluster.

``executor`` arguments of :func:`verification.verify` (and of :func:`run_tasks`) take

* ``"auto"`` (the default of ``verify``): a local :class:`~concurrent.futures.ProcessPoolExecutor`
  over the cores this process may use (serial on one core or for a single task), created for
  the call and shut down after it;
* ``None``: serial, in this process, in order;
* any :class:`concurrent.futures.Executor`: used as given and left open, e.g. a Dask cluster's
  ``distributed.Client(ADDRESS).get_executor()`` (the optional extra ``[dask]``).

Results are bit-identical whatever the executor and the number of workers: every task carries
its own seed (drawn from the run's seed and its index), and every task runs with one BLAS thread
(:mod:`threadpoolctl`), so no sum is split differently on different machines.

On the command line: ``--workers N`` (1: serial) and ``--scheduler ADDRESS`` (a running Dask
scheduler, ``tcp://host:8786``) or ``--scheduler local`` (a Dask ``LocalCluster`` of ``N``
workers): :func:`cli_executor`.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import warnings
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from ._errors import VerificationError

__all__ = [
    "available_cores",
    "cli_executor",
    "executor_for",
    "local_pool",
    "one_blas_thread",
    "quiet_fork",
]


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def one_blas_thread() -> None:
    """Process-pool initialiser: one BLAS / OpenMP thread per worker (workers are the
    parallelism; a 2-core machine with 2 workers x 2 BLAS threads runs many times slower)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


def _context() -> Any:
    """``fork`` on Linux: workers start at once and a script needs no ``if __name__ ==
    "__main__"`` guard (forkserver and spawn re-import the main module); elsewhere the
    platform's default (spawn: scripts need the guard, as for any process pool)."""
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()  # pragma: no cover - macOS, Windows


def local_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool of ``workers``, one BLAS thread each."""
    return ProcessPoolExecutor(workers, mp_context=_context(), initializer=one_blas_thread)


@contextmanager
def quiet_fork() -> Iterator[None]:
    """Python >= 3.12 warns at every fork of a process with threads (the BLAS's own count);
    the pool's workers run one task function each and exec nothing, as the warning asks."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r".*multi-threaded.*fork", category=DeprecationWarning
        )
        yield


@contextmanager
def executor_for(executor: Any, n_tasks: int) -> Iterator[Executor | None]:
    """The executor to run ``n_tasks`` on (module docstring); a pool it creates is shut down
    on exit, one it is given is left open."""
    if isinstance(executor, str) and executor == "auto":
        workers = min(available_cores(), n_tasks)
        if workers <= 1:
            yield None
            return
        pool = local_pool(workers)
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise VerificationError(
            f"executor={executor!r} must be 'auto', None or have submit(fn, *args) (a "
            "concurrent.futures.Executor)"
        )
    yield executor


@contextmanager
def cli_executor(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    """The executor of ``--workers`` / ``--scheduler`` (module docstring); closed on exit."""
    if scheduler is None:
        if workers is None:
            yield "auto"
        elif workers == 1:
            yield None
        else:
            with local_pool(workers) as pool:
                yield pool
        return
    from distributed import Client, LocalCluster  # the CLI checked it is installed

    if scheduler == "local":
        n = workers or available_cores()
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        cluster, client = None, Client(scheduler)
    try:
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
