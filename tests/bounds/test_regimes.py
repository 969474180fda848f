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
        ([0.1, 0.05, 0.02], 0.3, 0.5, "summable"),
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
