"""The comparators' margins: one meaning, checked on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from verification._comparators import (
    growth_margin,
    identity_margin,
    lower_margin,
    rate_margin,
    ratio,
    relative,
    upper_margin,
)


def test_upper_and_lower_margins_are_relative_slacks():
    assert upper_margin(1.0, 4.0) == 0.75  # (4 - 1) / 4
    assert upper_margin(4.0, 1.0) == -0.75  # fails: negative
    assert lower_margin(4.0, 1.0) == 0.75 and lower_margin(1.0, 4.0) == -0.75
    assert upper_margin(0.0, 0.0) == 0.0
    assert upper_margin(math.inf, 1.0) == -1.0 and upper_margin(1.0, math.inf) == 1.0
    assert lower_margin(math.inf, math.inf) == 0.0
    assert math.isnan(relative(math.nan, 1.0, 1.0))


def test_identity_rate_and_growth_margins():
    assert identity_margin(2.5e-13, 1e-12) == pytest.approx(0.75, rel=1e-15)
    assert rate_margin(0.01, 0.05, 0.001, 0.002) == pytest.approx(0.5, rel=1e-15)  # min(0.8, 0.5)
    assert growth_margin(1.0, 5.0, 10.0) == 0.5 and growth_margin(1.0, 20.0, 10.0) == -1.0
    assert math.isnan(growth_margin(0.0, 1.0, 10.0))


def test_tightness_is_clipped_to_the_unit_interval():
    assert ratio(1.0, 4.0) == 0.25 and ratio(5.0, 4.0) == 1.0
    assert ratio(1.0, 0.0) == 0.0 and ratio(1.0, math.inf) == 0.0
