"""The verify runner: (instance, constants) pairs as picklable tasks, run serially or on an
executor.

A :class:`Task` is pure data (an instance, the constants, whether to keep the figure's
curves); :func:`run_task` evaluates the instance once and runs every check of its kind;
:func:`run_tasks` maps it over the tasks with ``executor=None`` (serial, in order) or any
:class:`concurrent.futures.Executor` (``ProcessPoolExecutor``, a Dask client's
``get_executor()``, ...). Results come back in task order whatever the executor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._checks import CHECKS, CheckResult, Constants
from ._checks_accumulated import _accumulated
from ._executors import executor_for, quiet_fork
from ._field_instances import FieldInstance
from ._instances import GenerationInstance, Instance, RecursionEvaluation, evaluate

__all__ = ["Task", "TaskResult", "run_task", "run_tasks"]


@dataclass(frozen=True)
class Task:
    """One instance to check, with the constants, and whether to keep the figure's curves."""

    instance: Instance
    constants: Constants = field(default_factory=Constants)
    curves: bool = False


@dataclass(frozen=True)
class TaskResult:
    """What a task gives: every check result on its instance, its description, its curves."""

    label: str
    results: tuple[CheckResult, ...]
    info: dict[str, Any]
    curves: dict[str, list[float]] | None = None


def _trajectory_curves(
    ev: RecursionEvaluation, k: Constants, results: Sequence[CheckResult]
) -> dict[str, list[float]]:
    """Figure data from the checks already run: D_i, c2 S_N + C_bias (the additive Thm 4.2
    bound with the required C_bias) and the Prop 4.1 (ii) floor."""
    by_id = {r.check: r for r in results}
    _, s, _, _ = _accumulated(ev, k)
    need = by_id["thm-4.2-additive"].required["C_bias"]
    need = need if np.isfinite(need) else 0.0
    floor = max(by_id["prop-4.1-ii"].rhs, 0.0)
    return {
        "D": ev.trajectory.D_values.tolist(),
        "upper": (k.c2 * s + need).tolist(),
        "floor": [floor],
    }


def run_task(task: Task) -> TaskResult:
    """Evaluate the task's instance once and run every check of its kind on it, with one BLAS
    thread (so that results do not depend on where the task runs: :mod:`._executors`)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _run_task(task)


def _run_task(task: Task) -> TaskResult:
    inst = task.instance
    kind = "generation" if isinstance(inst, GenerationInstance | FieldInstance) else "recursion"
    ev = evaluate(inst)
    results = tuple(c.fn(ev, task.constants) for c in CHECKS.values() if c.kind == kind)
    info = inst.describe()
    curves = None
    if kind == "generation":
        info["eps_star2"] = ev.solution.eps_star2
        info["eta"] = ev.solution.eta
    elif task.curves:
        curves = _trajectory_curves(ev, task.constants, results)
    return TaskResult(inst.label, results, info, curves)


def _weight(task: Task) -> int:
    """Rough cost rank (grid solves first), so that a pool starts the long tasks early."""
    inst = task.instance
    if isinstance(inst, FieldInstance):
        return 3
    if isinstance(inst, GenerationInstance):
        return 0
    return 2 if inst.diffusion.init == "standard" else 1  # standard init: often the grid


def run_tasks(
    tasks: Sequence[Task],
    *,
    executor: Any = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[TaskResult]:
    """Run ``tasks``: ``executor=None`` here, in order; ``"auto"`` a local process pool;
    or any executor with ``submit(fn, arg) -> future`` (:mod:`verification._executors`).
    ``progress(done, total, label)`` after each task; results in task order, bit-identical
    whatever the executor."""
    total = len(tasks)
    out: list[TaskResult] = []
    with executor_for(executor, total) as pool:
        if pool is None:
            for n, task in enumerate(tasks, start=1):
                out.append(run_task(task))
                if progress is not None:
                    progress(n, total, task.instance.label)
            return out
        order = sorted(range(total), key=lambda i: -_weight(tasks[i]))  # stable: ties in order
        with quiet_fork():  # a local pool forks its workers at the first submissions
            futures = {i: pool.submit(run_task, tasks[i]) for i in order}
        done: dict[int, TaskResult] = {}
        for n, (i, fut) in enumerate(_as_completed(futures), start=1):
            done[i] = fut.result()
            if progress is not None:
                progress(n, total, tasks[i].instance.label)
        return [done[i] for i in range(total)]


def _as_completed(futures: dict[int, Any]) -> Any:
    """``(index, future)`` as they finish (concurrent.futures and Dask futures alike)."""
    from concurrent.futures import as_completed

    index = {id(f): i for i, f in futures.items()}
    try:
        for fut in as_completed(list(futures.values())):
            yield index[id(fut)], fut
    except TypeError:  # pragma: no cover - a future type as_completed does not know
        yield from futures.items()
