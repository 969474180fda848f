"""Schedules and regimes (THEORY.md §5)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import zeta

import bounds as B


def test_schedule_values_and_sums():
    g = B.GeometricSchedule(2.0, 0.25)
    np.testing.assert_allclose(g.values(4), [2.0, 0.5, 0.125, 0.03125])
    assert g.total == pytest.approx(np.sum(g.values(200)), rel=1e-15)
    p = B.PowerLawSchedule(3.0, 1.5)
    assert p.total == pytest.approx(3.0 * zeta(1.5), rel=1e-15)
    # partial sums approach the total; tail of sum (i+1)^-1.5 beyond n is ~ 2 / sqrt(n)
    assert p.total - np.sum(p.values(10_000)) == pytest.approx(3.0 * 2 / 100, rel=0.02)
    assert not B.PowerLawSchedule(1.0, 1.0).summable and B.PowerLawSchedule(1.0, 1.0).floor == 0
    assert B.GeometricSchedule(1.0, 1.0).floor == 1.0 and not B.GeometricSchedule(1.0, 1.0).summable
    assert B.ConstantSchedule(0.0).summable and B.ConstantSchedule(0.0).total == 0.0


@pytest.mark.parametrize(
    ("schedule", "alpha", "eta", "name"),
    [
        (B.ConstantSchedule(0.01), 0.0, 1.0, "no-forgetting"),
        (B.ConstantSchedule(0.01), 0.3, 0.0, "vacuous"),
        (B.GeometricSchedule(0.1, 0.5), 0.3, 0.5, "summable"),
        (B.PowerLawSchedule(0.1, 2.0), 0.3, 0.5, "summable"),
        (B.ConstantSchedule(0.01), 0.3, 0.5, "error-floor"),
        (B.PowerLawSchedule(0.1, 1.0), 0.3, 0.5, "non-summable"),
        (B.PowerLawSchedule(0.1, 0.5), 0.3, 0.5, "non-summable"),
        ([0.1, 0.05, 0.02], 0.3, 0.5, "undetermined"),  # a finite array decides nothing
        (B.ArraySchedule([0.1, 0.05, 0.02], tail="zero"), 0.3, 0.5, "summable"),
        (B.ArraySchedule([0.1, 0.05, 0.02], tail="constant"), 0.3, 0.5, "error-floor"),
    ],
)
def test_classification(schedule, alpha, eta, name):
    r = B.classify_regime(schedule, alpha, eta_min=eta)
    assert r.name == name and r.name in B.REGIMES


def test_quantitative_content_of_the_floor_regime():
    r = B.classify_regime(B.ConstantSchedule(0.02), 0.1, eta_min=0.5)
    assert r.persistence_floor == B.persistence_floor(0.1, 0.5, 0.02)
    assert r.fixed_point == pytest.approx(0.02 / (0.1 * 1.9), rel=1e-15)
    assert r.memory == 5.0 and r.statement == "Prop. 4.1 (ii)"
    # the floor of the theory sits below the fixed point of the discounted sum: alpha eta / 16
    # times a factor <= 1 of the undiscounted level
    assert r.persistence_floor < r.fixed_point


def test_array_schedule_of_0_05_over_i_plus_1_is_not_called_summable():
    """Issue 13: ArraySchedule(0.05 / (i + 1)) was labelled "summable" and
    PowerLawSchedule(0.05, 1) with the same values "non-summable"."""
    values = B.PowerLawSchedule(0.05, 1.0).values(40)
    assert B.classify_regime(B.ArraySchedule(values), 0.3).name == "undetermined"
    power = B.classify_regime(B.PowerLawSchedule(0.05, 1.0), 0.3)
    continued = B.classify_regime(B.ArraySchedule(values, tail="power-law"), 0.3)
    assert power.name == continued.name == "non-summable"


@pytest.mark.parametrize(
    ("schedule", "tail"),
    [
        (B.PowerLawSchedule(0.05, 1.0), "power-law"),
        (B.PowerLawSchedule(0.05, 2.0), "power-law"),
        (B.PowerLawSchedule(0.05, 0.5), "power-law"),
        (B.GeometricSchedule(0.1, 0.5), "geometric"),
        (B.GeometricSchedule(0.1, 1.0), "geometric"),
        (B.ConstantSchedule(0.01), "constant"),
        (B.ConstantSchedule(0.0), "zero"),
    ],
)
def test_equal_values_give_equal_labels(schedule, tail):
    values = schedule.values(60)
    array = B.ArraySchedule(values, tail=tail)
    for alpha in (0.0, 0.3, 1.0):
        a, b = B.classify_regime(schedule, alpha), B.classify_regime(array, alpha)
        assert a.name == b.name
        assert a.floor == pytest.approx(b.floor, rel=1e-12, abs=1e-300)  # fit round-off
    assert array.summable == schedule.summable
    # the continuation reproduces the schedule: fitted exactly (round-off of polyfit ~1e-12)
    np.testing.assert_allclose(array.values(100), schedule.values(100), rtol=1e-10)
    if schedule.summable:
        assert array.total == pytest.approx(schedule.total, rel=1e-10)


def test_array_schedule_tails_from_a_schedule_object_and_bad_tails():
    s = B.ArraySchedule([0.3, 0.2], tail=B.GeometricSchedule(0.1, 0.5))
    assert s.summable and s.total == pytest.approx(0.5 + 0.2) and s.floor == 0.0
    np.testing.assert_allclose(s.values(4), [0.3, 0.2, 0.1, 0.05])
    assert B.ArraySchedule([0.3, 0.2], tail=B.ConstantSchedule(0.1)).summable is False
    with pytest.raises(B.DomainError, match="tail='wiggly' must be None, one of"):
        B.ArraySchedule([0.3], tail="wiggly")
    with pytest.raises(B.DomainError, match=r"must be > 0"):
        B.ArraySchedule([0.3, 0.0, 0.1], tail="geometric", window=3)
    with pytest.raises(B.DomainError, match="no tail says how it continues"):
        B.ArraySchedule([0.3]).values(2)
