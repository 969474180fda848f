"""Grid instances in the verifier: every per-generation check runs on them, a wrong bound is
rejected on them, and the report says what they show.

Small instances (a short horizon, grid rtol 1e-6) keep this file at a few seconds.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from gaussian_oracle import Diffusion, Estimate, Gaussian, GaussianMixture, RotatedScore, Tanh
from verification import Constants, run_check
from verification._checks import CHECKS, check, lower, unregister
from verification._field_instances import FieldInstance, FieldSolution, field_instances
from verification._grid_findings import grid_findings
from verification._instances import evaluate
from verification._runner import Task, run_task

SHORT = Diffusion(T=1.5, t0=0.1, init="exact")
BIMODAL = GaussianMixture([0.5, 0.5], [[-1.0], [1.0]], [0.3, 0.3])


def _tanh(label="tanh", scale=0.5):
    return FieldInstance(
        label=label, data=BIMODAL, error=Tanh(0.3), diffusion=SHORT, scale=scale, rtol=1e-6
    )


def test_every_generation_check_runs_on_a_grid_instance_and_holds():
    res = run_task(Task(_tanh(), Constants()))
    kinds = {c for c, chk in CHECKS.items() if chk.kind == "generation"}
    assert {r.check for r in res.results} == kinds
    assert all(r.status in ("holds", "vacuous", "outside") for r in res.results), res.results
    assert res.info["engine"] == "grid" and 0.0 < res.info["eta"] < 1.0
    sol = evaluate(_tanh()).solution
    assert max(sol.errors.values()) < 1e-6  # stated errors at grid rtol 1e-6


def test_a_wrong_bound_is_rejected_on_a_grid_instance():
    """Negative control: chi2 >= 2 eta eps_star2 is false (the ratio tends to 1 from either
    side by O(eps_star)); the verifier must say so on the grid instance."""

    @check(
        "toy-chi2-above-twice",
        reference="toy",
        statement="chi2 >= 2 eta eps^2",
        kind="generation",
        comparator="lower",
        expected="fails",
    )
    def _toy(ev, k):
        sol = ev.solution
        return lower(sol.chi2.value, 2.0 * sol.eta * sol.eps_star2, ())

    try:
        assert run_check("toy-chi2-above-twice", _tanh("toy", 0.2)).status == "fails"
    finally:
        unregister("toy-chi2-above-twice")


def test_values_within_their_error_of_zero_read_as_zero():
    """The rotated score: eta = 5e-18 +- 3e-17 is reported as 0, so the lower bounds and the
    asymptotic checks are vacuous rather than dividing round-off by round-off."""

    class Fake:
        eps_star2 = Estimate(0.7, 1e-12, "grid")
        eta = Estimate(5e-18, 3e-17, "grid")
        eps_hat2 = Estimate(0.7, 1e-12, "grid")
        chi2 = Estimate(7e-12, 7e-8, "grid")
        kl = Estimate(3e-12, 3e-8, "grid")

    sol = FieldSolution(Fake())
    assert sol.eta == 0.0 and sol.chi2.value == 0.0 and sol.chi2.abs_error == 7e-8
    assert sol.eps_star2 == 0.7


def test_grid_instances_pickle_and_describe_themselves():
    inst = field_instances()[1]
    assert isinstance(inst.error, RotatedScore)
    again = pickle.loads(pickle.dumps(inst))
    assert again.describe() == inst.describe()
    assert inst.describe()["engine"] == "grid" and inst.describe()["dim"] == 2
    assert len(field_instances(2)) == 2 and len(field_instances()) == 4


def test_the_report_says_what_the_grid_instances_show():
    g = Gaussian(0.0, 1.0)
    infos = {
        "a": {"kind": "generation", "engine": "grid", "eta": 0.4, "scale": 1.0},
        "b": {"kind": "generation", "engine": "grid", "eta": 0.0, "scale": 1.0},
        "lin": {"kind": "generation", "eta": 0.9, "data_mean": g.mean.tolist()},
    }
    from verification._checks import CheckResult

    results = (
        CheckResult("thm-3.4", "a", "holds", 0.1, 1.0, 0.9, 0.1),
        CheckResult("prop-3.3", "b", "vacuous", 0.0, 0.0, np.nan, np.nan),
    )
    (line,) = grid_findings(infos, results)
    assert "[0.4, 0.4]" in line and "invisible errors (b)" in line and "lin" not in line
    assert "holds or is vacuous" in line
    assert grid_findings({"lin": infos["lin"]}, results[:1]) == []


@pytest.mark.parametrize("bad", ["scale", "rtol"])
def test_bad_grid_instance_settings_are_clear_errors(bad):
    from gaussian_oracle import OracleDomainError

    kw = {"scale": -1.0} if bad == "scale" else {"rtol": 0.5}
    inst = FieldInstance(
        label="bad",
        data=BIMODAL,
        error=Tanh(0.3),
        diffusion=SHORT,
        **{"scale": 0.5, "rtol": 1e-6, **kw},
    )
    with pytest.raises(OracleDomainError, match=bad):
        evaluate(inst)
