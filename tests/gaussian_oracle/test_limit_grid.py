"""The limit law for grid data (gaussian_oracle._limit_grid) against the mixture route on the
same law, and its Hermite modes against the gains of ``bounds`` (an independent route: FFT OU
transitions on the grid against the closed-form gain)."""

from __future__ import annotations

import numpy as np
import pytest

import bounds as B
from gaussian_oracle import (
    Box,
    Gaussian,
    GaussianMixture,
    GridLaw,
    hermite_coefficients,
    limit_law,
)

MIX = GaussianMixture([0.4, 0.6], [-1.0, 1.0], [0.6, 0.7])


def _on_grid(law, box):
    return GridLaw(box, np.exp(law.logpdf(box.points)).reshape(box.shape))


def test_grid_limit_law_matches_the_mixture_route_within_its_stated_error() -> None:
    grid = _on_grid(MIX, Box([-14.0], [14.0], [256]))
    lg, lm = limit_law(grid, alpha=0.5, t0=0.3), limit_law(MIX, alpha=0.5, t0=0.3)
    assert isinstance(lg.law, GridLaw) and lg.chi2.method == "grid" and lg.ages == lm.ages
    # the grid's error includes the integrand dropped where the data is below its resolution
    # floor (~1e-10 here, measured 1.0e-10 against the closed form)
    assert abs(lg.chi2.value - lm.chi2.value) <= lg.chi2.abs_error + lm.chi2.abs_error
    kg, km = lg.kl(), lm.kl()
    assert abs(kg.value - km.value) <= kg.abs_error + km.abs_error
    assert kg.method == "grid" and 0 < kg.value < lg.chi2.value
    assert lg.truncation_w2 == pytest.approx(lm.truncation_w2, rel=0.1)  # both ~2e-6


def test_grid_limit_laws_modes_are_the_gains_times_the_datas() -> None:
    for law, box, order in (
        (MIX, Box([-14.0], [14.0], [256]), 8),
        (
            Gaussian([0.3, -0.2], [[0.8, 0.2], [0.2, 1.3]]),
            Box([-12.0, -12.0], [12.0, 12.0], [96, 96]),
            4,
        ),
    ):
        grid = _on_grid(law, box)
        lim = limit_law(grid, alpha=0.3, t0=0.2)
        c_lim, c_data = hermite_coefficients(lim.law, order), hermite_coefficients(grid, order)
        gain = np.asarray(B.hermite_gain(c_data.degree(), 0.3, 0.2))
        # spectral trapezoid sums and exact OU transforms: round-off, 1e-12 absolute
        np.testing.assert_allclose(c_lim.values, gain * c_data.values, atol=1e-12)


def test_grid_data_in_two_dimensions_runs_and_states_its_method() -> None:
    law = GaussianMixture([0.5, 0.5], [[-1.0, 0.0], [1.0, 0.0]], [[[0.7, 0.0], [0.0, 0.9]]] * 2)
    grid = _on_grid(law, Box([-12.0, -12.0], [12.0, 12.0], [96, 96]))
    lim = limit_law(grid, alpha=0.5, t0=0.5)
    ref = limit_law(law, alpha=0.5, t0=0.5)
    assert lim.chi2.method == "grid" and ref.chi2.method == "quadrature"
    # 2-D cubature (ref) and the grid agree within their stated errors (7e-11 relative here)
    assert abs(lim.chi2.value - ref.chi2.value) <= lim.chi2.abs_error + ref.chi2.abs_error
