"""Every instance, task, evaluation and result type pickles (a sweep can ship it to a worker
process or a cluster and back), and comes back equal."""

from __future__ import annotations

import pickle

import numpy as np

from gaussian_oracle import (
    AffineError,
    Diffusion,
    ExactScore,
    Gaussian,
    GaussianMixture,
    LinearGaussianOracle,
    PopulationKDE,
    ScoreDifference,
    chi2_tail_check,
    run_recursion,
    simulate_reverse,
    solve_generation,
)
from verification import Constants, Report, curated_instances, evaluate, phase_diagram
from verification._output import dumps
from verification._runner import Task, run_task


def _back(x):
    return pickle.loads(pickle.dumps(x))


def test_oracle_result_types_pickle():
    data = Gaussian([0.1, 0.2], [[0.9, 0.1], [0.1, 0.4]])
    error = AffineError(W=0.1 * np.eye(2), xi=[0.2, 0.0])
    lin = LinearGaussianOracle(data, Diffusion(init="exact"), error).solve()
    assert _back(lin).chi2 == lin.chi2 and _back(lin).eta == lin.eta
    mc = simulate_reverse(
        data, Diffusion(), error, n_paths=200, n_steps=8, rng=np.random.default_rng(0)
    )
    assert _back(mc).eps_star2.value == mc.eps_star2.value
    sol = solve_generation(data, error, Diffusion())
    assert _back(sol).eps_star2 == sol.eps_star2 and _back(sol).engine == "linear"
    m = GaussianMixture([0.5, 0.5], [[-1.0], [1.0]], [[[0.3]], [[0.5]]])
    tails = chi2_tail_check(m, Gaussian(0.0, 1.0))
    assert (_back(tails).finite, _back(tails).reason) == (tails.finite, tails.reason)
    traj = run_recursion(
        Gaussian(0.0, 0.8),
        alpha=0.5,
        learner=PopulationKDE(0.1),
        diffusion=Diffusion(init="exact"),
        generations=2,
        compute=("I",),
    )
    assert _back(traj) == traj
    assert _back(ScoreDifference(m, m)).zero


def test_verification_types_pickle():
    inst = curated_instances(generations=3)
    gen, rec = inst[0], next(i for i in inst if hasattr(i, "alpha"))
    for x in (gen, rec):
        assert _back(x).describe() == x.describe()
        assert _back(Task(x, Constants(C=2.0))).constants.C == 2.0
        ev = _back(evaluate(x))
        assert type(ev) is type(evaluate(x))
    result = run_task(Task(rec, curves=True))
    back = _back(result)
    assert dumps([r.as_dict() for r in back.results]) == dumps(
        [r.as_dict() for r in result.results]
    )
    phase = phase_diagram(
        "geometric", alphas=[0.5, 1.0], values=[0.3, 0.6], horizon=4, oracle=False
    )
    report = Report(
        "quick", 0, Constants(), result.results, {result.label: result.info}, 1.0, {}, phase
    )
    assert dumps(_back(report).to_json()) == dumps(report.to_json())
    assert _back(ExactScore()) == ExactScore()
