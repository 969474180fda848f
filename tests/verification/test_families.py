"""Declared instance families: NumPy draws for the report, Hypothesis strategies for tests,
from the same parameter boxes; pure, picklable instances, tasks, evaluations and results."""

from __future__ import annotations

import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings

from verification import PROFILES, Constants, curated_instances, draw_instances, run_check
from verification._families import (
    FAMILIES,
    Choice,
    Integer,
    Real,
    _key,
    draw_distinct,
    generation_family,
    recursion_family,
)
from verification._instances import evaluate
from verification._runner import Task, run_task, run_tasks


@pytest.mark.parametrize("profile", list(PROFILES))
def test_profiles_hold_no_two_identical_instances(profile):
    insts = draw_instances(profile, seed=0)
    sizes = PROFILES[profile]
    # grid one-generation instances and the grid recursions (thorough: with the KDE one too)
    grid = sizes["grid"] + (2 if sizes["grid"] >= 4 else 1)
    assert len(insts) == len(curated_instances()) + sizes["generation"] + sizes["recursion"] + grid
    assert len({_key(i) for i in insts}) == len(insts)  # distinct descriptions
    assert len({i.label for i in insts}) == len(insts)  # distinct labels


def test_the_first_drawn_instance_depends_on_the_seed():
    firsts = {_key(draw_instances("quick", seed=s)[len(curated_instances())]) for s in range(5)}
    assert len(firsts) == 5  # Hypothesis gave the same first example for every seed


def test_draws_are_the_same_in_a_fresh_interpreter_after_unrelated_imports():
    """Same seed, same instances, whatever else is imported (Hypothesis mixed local modules'
    constants into its draws)."""
    code = (
        "import json, sympy, scipy.stats\n"
        "from verification import draw_instances\n"
        "from verification._families import _key\n"
        "print(json.dumps([_key(i) for i in draw_instances('quick', seed=4)]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    here = [_key(i) for i in draw_instances("quick", seed=4)]
    assert __import__("json").loads(out.stdout) == here


def test_boxes_draw_inside_their_ranges():
    rng = np.random.default_rng(1)
    r, lg, i, c = (
        Real("x", -1.0, 2.0),
        Real("y", -3, 0.5, log10=True),
        Integer("n", 2, 4),
        Choice("k", ("a", "b")),
    )
    xs = [r.draw(rng) for _ in range(200)]
    ys = [lg.draw(rng) for _ in range(200)]
    ns = {i.draw(rng) for _ in range(200)}
    assert -1.0 <= min(xs) and max(xs) <= 2.0
    assert 1e-3 <= min(ys) and max(ys) <= 10**0.5
    assert ns == {2, 3, 4} and {c.draw(rng) for _ in range(50)} == {"a", "b"}


def test_draw_distinct_refuses_a_family_too_small():
    tiny = generation_family(1)
    import dataclasses

    fixed = dataclasses.replace(
        tiny, boxes=tuple(Choice(b.name, (b.draw(np.random.default_rng(0)),)) for b in tiny.boxes)
    )
    assert len(draw_distinct(fixed, 1, np.random.default_rng(0))) == 1
    with pytest.raises(ValueError, match="gave only 1 distinct instances"):
        draw_distinct(fixed, 2, np.random.default_rng(0))


@settings(max_examples=10, deadline=None)
@given(inst=generation_family(2).strategy())
def test_the_strategy_builds_what_the_family_builds(inst):
    # every drawn value lies in a box: the instance is valid and its exact solution finite
    assert 1 <= inst.data.dim <= 2 and 1e-3 <= inst.scale <= 10**0.5
    assert inst.diffusion.init in ("standard", "exact")


def test_families_registry_names_its_kinds():
    assert {name: f().kind for name, f in FAMILIES.items()} == {
        "generation": "generation",
        "recursion": "recursion",
    }


def _roundtrip(x):
    return pickle.loads(pickle.dumps(x))


def _rows(results):
    """Results as JSON text (a margin that does not apply is NaN, and NaN != NaN)."""
    from verification._output import dumps

    return dumps([r.as_dict() for r in results])


def test_instances_tasks_evaluations_and_results_pickle():
    gen = curated_instances()[4]  # a time profile: a callable error field
    rec = recursion_family(2, 200, 8).draw(np.random.default_rng(3))
    for inst in (gen, rec):
        back = _roundtrip(inst)
        assert back.describe() == inst.describe()
        ev = evaluate(inst)
        ev_back = _roundtrip(ev)
        task = Task(inst, Constants(c=2.0), curves=False)
        assert _roundtrip(task).constants == task.constants
        result = run_task(task)
        again = _roundtrip(result)
        assert _rows(again.results) == _rows(result.results)
        # the unpickled evaluation gives the same check results as the original
        cid = "prop-3.1" if inst is gen else "lemma-F.1"
        assert _rows([run_check(cid, ev_back)]) == _rows([run_check(cid, ev)])
    err = gen.error()
    y = np.array([[0.3]])
    np.testing.assert_array_equal(_roundtrip(err)(y, 1.5), err(y, 1.5))


@pytest.mark.slow  # ~20 s: a process pool and a Dask cluster start
def test_every_executor_gives_the_serial_results_bit_for_bit():
    """Serial, threads, 2 processes ("auto" on this 2-core machine and an explicit pool) and a
    2-worker Dask LocalCluster: the same JSON, to the last bit (each task has its own seed
    and one BLAS thread)."""
    from verification._executors import cli_executor, local_pool

    insts = draw_instances("quick", seed=2)
    small = [i for i in insts if type(i).__name__ == "GenerationInstance"][:5]
    recs = [i for i in insts if type(i).__name__ == "RecursionInstance"]
    tasks = [Task(i) for i in [*small, min(recs, key=lambda r: r.generations)]]
    serial = _rows([r for t in run_tasks(tasks) for r in t.results])
    with ThreadPoolExecutor(2) as threads, local_pool(2) as procs:
        runs = {
            "threads": run_tasks(tasks, executor=threads),
            "processes": run_tasks(tasks, executor=procs),
            "auto": run_tasks(tasks, executor="auto"),
        }
    pytest.importorskip("distributed")  # the [dask] extra (installed with [test])
    with cli_executor(2, "local") as dask:
        runs["dask"] = run_tasks(tasks, executor=dask)
    for name, run in runs.items():
        assert _rows([r for t in run for r in t.results]) == serial, name
        assert [t.label for t in run] == [t.instance.label for t in tasks], name
    with pytest.raises(ValueError, match=r"executor=.*submit"):
        run_tasks(tasks, executor=object())


def test_evaluate_calls_the_oracle_once_per_instance():
    inst = curated_instances()[0]
    assert evaluate(inst) is evaluate(inst)
    assert evaluate(evaluate(inst)) is evaluate(inst)
    with pytest.raises(
        ValueError, match="must be a GenerationInstance, a FieldInstance or a RecursionInstance"
    ):
        evaluate("nope")


def test_the_main_job_does_not_import_hypothesis():
    code = (
        "import sys\n"
        "from verification import draw_instances, run_task, Task\n"
        "run_task(Task(draw_instances('quick', seed=0)[10]))\n"
        "print('hypothesis' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
