"""Toy extensions: a check, a learner and an engine, registered and run through the batteries.

Each toy is what a contributor would write, registered at test time and removed afterwards.
As part of the library each would be **one new module plus one line elsewhere**:

* a check: a module with an ``@check(...)`` function, and its name in
  ``verification._checks.CHECK_MODULES`` (2 source files; plus its negative control in
  ``tests/quality/test_every_check_has_a_control.py``);
* a learner: a class with ``learn``, ``gaussian_output`` and ``config``, decorated with
  ``@register_learner``, and its export in ``gaussian_oracle/__init__.py`` (2 source files;
  plus its example in ``tests/contracts/test_learners.py``);
* an engine: a class with ``name``, ``exact``, ``weak_order``, ``supports`` and ``solve``,
  registered with ``register_engine(..., before="monte-carlo")``, and its export (2 files).

The CLI, the report and the batteries pick them up from the registries.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import gaussian_oracle as O
from gaussian_oracle import (
    ENGINES,
    LEARNERS,
    AffineError,
    Diffusion,
    Estimate,
    Gaussian,
    GenerationSolution,
    register_engine,
    register_learner,
    unregister_engine,
)
from verification import CHECKS, curated_instances, run_check
from verification._checks import Outcome, check, unregister, upper

from . import test_checks, test_engines, test_learners

# ---------------------------------------------------------------- a toy check


def _kl_below_path_kl(ev: Any, k: Any) -> Outcome:
    """Data processing: the endpoint KL is at most the path KL (both exact)."""
    sol = ev.solution
    return upper(sol.kl.value, sol.path_kl, ())


def test_a_toy_check_is_tested_by_the_battery_once_registered():
    check(
        "toy-kl-below-path-kl",
        reference="data processing inequality",
        statement="KL(p_hat || ideal) <= KL(P_hat || P*)",
        kind="generation",
        comparator="upper",
    )(_kl_below_path_kl)
    try:
        assert "toy-kl-below-path-kl" in CHECKS
        for label in test_checks.ON["generation"]:
            test_checks.test_every_check_returns_a_sound_typed_result("toy-kl-below-path-kl", label)
        test_checks.test_every_check_is_deterministic("toy-kl-below-path-kl")
        inst = curated_instances()[0]
        assert run_check("toy-kl-below-path-kl", inst).status == "holds"
    finally:
        unregister("toy-kl-below-path-kl")
    assert "toy-kl-below-path-kl" not in CHECKS


# ---------------------------------------------------------------- a toy learner


class MomentMatch:
    """The Gaussian with the training law's mean and covariance (always Gaussian)."""

    def learn(self, q: Any, rng: np.random.Generator | None = None) -> Any:
        return O.as_mixture(Gaussian(q.mean, q.cov))

    def gaussian_output(self, gaussian_input: bool) -> bool:
        return True

    def config(self) -> dict[str, Any]:
        return {"learner": "MomentMatch"}


def test_a_toy_learner_is_tested_by_the_battery_once_registered(monkeypatch):
    register_learner(MomentMatch)
    monkeypatch.setitem(test_learners.EXAMPLES, "MomentMatch", MomentMatch())
    try:
        test_learners.test_every_registered_learner_has_an_example()
        test_learners.test_every_learner_keeps_lemma_f1("MomentMatch")
        test_learners.test_every_learner_says_truthfully_whether_it_keeps_gaussians("MomentMatch")
        test_learners.test_every_learner_round_trips_its_configuration("MomentMatch")
        # the standard init accepts it: it says its output is always Gaussian
        traj = O.run_recursion(
            O.GaussianMixture([0.5, 0.5], [[-1.0], [1.0]], [[[0.4]], [[0.4]]]),
            alpha=0.5,
            learner=MomentMatch(),
            diffusion=Diffusion(init="standard"),
            generations=2,
            compute=(),
        )
        assert traj.learners()[0].config() == {"learner": "MomentMatch"}
    finally:
        del LEARNERS["MomentMatch"]


# ---------------------------------------------------------------- a toy engine


class BiasOnly:
    """A constant bias error ``xi`` (no ``W``) on Gaussian data: ``eps_star2 = |xi|^2 (T - t0)``
    exactly whatever the path; eta given only as the lower bound 0 (honest, and useless)."""

    name = "toy-bias-only"
    exact = False
    weak_order: float | None = None

    def supports(self, data: Any, error: Any, diffusion: Any, *, scale: float = 1.0) -> Any:
        if not isinstance(error, AffineError) or not error._zero_w or error.dim is None:
            return "only a constant bias xi"
        return None if O.as_mixture(data).n_components == 1 else "the data is not Gaussian"

    def solve(self, data: Any, error: Any, diffusion: Any, *, scale: float = 1.0, **_: Any) -> Any:
        _, xi = error.at(diffusion.T, error.dim)
        energy = float(scale * scale * xi @ xi * diffusion.horizon)
        return GenerationSolution(
            self.name,
            Estimate(energy, 0.0, "closed-form", "constant bias"),
            Estimate(0.0, 0.0, "closed-form", "trivial lower bound", kind="lower-bound"),
        )


def test_a_toy_engine_is_tested_by_the_battery_once_registered():
    register_engine(BiasOnly(), before="monte-carlo")
    try:
        assert list(ENGINES).index("toy-bias-only") == list(ENGINES).index("monte-carlo") - 1
        for label in test_engines.GAUSSIAN_AFFINE:
            test_engines.test_every_engine_agrees_with_the_linear_engine_where_it_supports_it(
                "toy-bias-only", label
            )
        with pytest.raises(ValueError, match="already registered"):
            register_engine(BiasOnly())
    finally:
        unregister_engine("toy-bias-only")
    assert "toy-bias-only" not in ENGINES
