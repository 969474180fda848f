"""Negative controls for the verifier: deliberately wrong bounds must be rejected.

Each mutant replaces one function of ``bounds`` (the verifier calls them through the module)
with a wrong version; the same checks that pass the real functions must report ``fails`` on
at least one curated instance. Mutants the checks cannot detect are listed in the report's
notes, not here: e.g. halving the 1/4 of Prop 3.3 stays below the sharp constant 1.
"""

from __future__ import annotations

import numpy as np
import pytest

import bounds as B
from verification import curated_instances, run_check

GEN = [i for i in curated_instances(generations=6) if hasattr(i, "solution")]
REC = [i for i in curated_instances(generations=6) if not hasattr(i, "solution")][:1]


def _statuses(check, instances):
    return [run_check(check, inst).status for inst in instances]


MUTANTS = [
    # (check, bounds function, wrong version, what is wrong)
    ("prop-3.1", "kl_upper", lambda e: np.asarray(e) / 4.0, "constant halved"),
    (
        "thm-3.4",
        "chi2_upper",
        lambda e, *, c: 4.0 * np.asarray(e) ** 2 + c * np.asarray(e) ** 3,
        "exponent off by one",
    ),
    (
        "prop-3.3",
        "chi2_lower",
        lambda e, h, *, C, outside="raise": 2.0 * h * e - C * e**2,
        "constant x8",
    ),
    ("chi2-asymptotic", "chi2_asymptotic", lambda e, h: 2.0 * h * e, "constant doubled"),
    ("kl-asymptotic", "kl_asymptotic", lambda e, h: h * e / 4.0, "constant halved"),
]


@pytest.mark.parametrize(("check", "name", "mutant", "what"), MUTANTS)
def test_wrong_per_generation_bounds_are_rejected(monkeypatch, check, name, mutant, what):
    assert "fails" not in _statuses(check, GEN)  # the real bound passes
    monkeypatch.setattr(B, name, mutant)
    assert "fails" in _statuses(check, GEN), what


def test_discount_not_squared_in_lemma_f1_is_rejected(monkeypatch):
    assert "fails" not in _statuses("lemma-F.1", REC)
    monkeypatch.setattr(B, "refresh", lambda d, a: (1.0 - a) * np.asarray(d))
    assert _statuses("lemma-F.1", REC) == ["fails"]


def test_lower_recursion_with_wrong_constant_is_rejected(monkeypatch):
    """alpha I_i instead of alpha I_i / 2, times 4: the real bound's tightness on this run is
    ~0.15, so a constant wrong by less than ~6x is invisible here (said, not hidden)."""
    real = B.next_lower
    assert "fails" not in _statuses("lower-recursion", REC)
    monkeypatch.setattr(B, "next_lower", lambda d, i, a: 8.0 * real(d, i, a))
    assert _statuses("lower-recursion", REC) == ["fails"]


def test_phase_diagram_flags_a_discounted_sum_too_small(monkeypatch):
    """The phase diagram computes S_N through ``bounds.discounted_sum``; an S_N eight times too
    small is flagged: with alternating shifts the real bound is never exceeded, the mutant is
    exceeded at alpha = 1 (where D_N = e^{mu^2} - 1 ~ eps^2 > 4 eps^2 / 8). Honest limit: a
    discount exponent off by one changes S_N by less than the slack of c2 = 4 on these runs
    (D_N / (c2 S_N) <= 0.26), so it is not detectable here."""
    import verification._phase as phase

    kwargs = {"alphas": [0.25, 0.5, 1.0], "values": [0.5, 0.9], "horizon": 10}
    real = phase.phase_diagram("geometric", bias="alternating", **kwargs).summary()
    assert real["claimed"] == 6 and real["exceeded"] == 0
    wrong = phase.discounted_sum
    monkeypatch.setattr(phase, "discounted_sum", lambda e, a: np.asarray(wrong(e, a)) / 8.0)
    mutant = phase.phase_diagram("geometric", bias="alternating", **kwargs).summary()
    assert mutant["exceeded"] >= 2


REC_ALL = {i.label: i for i in curated_instances(generations=6) if not hasattr(i, "solution")}


def test_thm_3_4_at_every_step_rejects_a_constant_too_small(monkeypatch):
    """4 eps^2 -> 0.04 eps^2 in Thm 3.4: the per-step check against the ideal endpoint (which
    the real bound passes with tightness ~0.3, so 10x is invisible: 100x is used) must fail."""
    inst = REC_ALL["kde-smoothing"]
    assert run_check("thm-3.4-steps", inst).status == "holds"
    monkeypatch.setattr(B, "chi2_upper", lambda e, *, c: 0.01 * (4.0 * e + c * e * e))
    assert run_check("thm-3.4-steps", inst).status == "fails"


def test_prop_3_3_at_every_step_rejects_a_constant_too_large(monkeypatch):
    """eta eps^2 / 4 -> 8 eta eps^2: far above the sharp eta eps^2, so it must fail."""
    inst = REC_ALL["constant-bias"]
    assert run_check("prop-3.3-steps", inst).status == "holds"
    monkeypatch.setattr(
        B, "chi2_lower", lambda e, h, *, C, outside="raise": 8.0 * h * e - C * e * e
    )
    assert run_check("prop-3.3-steps", inst).status == "fails"


def test_the_training_reading_is_what_fails_not_the_ideal_one():
    """The verifier must tell the readings apart: swapping them changes the verdict."""
    inst = REC_ALL["exact-score"]
    assert run_check("thm-3.4-steps", inst).status == "holds"
    assert run_check("thm-3.4-steps-vs-q", inst).status == "fails"
