"""chi2 of the limit law (THEORY.md §8) against the committed mpmath references of
tests/data/make_limit_references.py (40-digit factorised age series; 25-digit quadrature)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gaussian_oracle import Gaussian, GaussianMixture, limit_law

REFS = json.loads((Path(__file__).parents[1] / "data" / "limit_references.json").read_text())


@pytest.mark.parametrize("case", REFS["gaussian"], ids=lambda c: f"d{len(c['mean'])}-a{c['alpha']}")
def test_gaussian_data_to_1e_10(case):
    lim = limit_law(
        Gaussian(np.array(case["mean"]), np.array(case["cov"])), alpha=case["alpha"], t0=case["t0"]
    )
    ref = float(case["chi2"])
    # the 1e-10 relative; the stated error covers the truncation (Cauchy-Schwarz)
    assert lim.chi2.value == pytest.approx(ref, rel=1e-10)
    assert abs(lim.chi2.value - ref) <= lim.chi2.abs_error + 1e-14 * ref
    if "kl" in case:  # 1-D: KL of the untruncated law by mpmath quadrature
        k = lim.kl()
        assert k.value == pytest.approx(float(case["kl"]), rel=1e-10)
        assert abs(k.value - float(case["kl"])) <= k.abs_error


@pytest.mark.parametrize("case", REFS["mixture"], ids=lambda c: f"a{c['alpha']}-t{c['t0']}")
def test_mixture_data_to_1e_10(case):
    data = GaussianMixture(case["weights"], case["means"], case["variances"])
    lim = limit_law(data, alpha=case["alpha"], t0=case["t0"])
    assert lim.chi2.method == "quadrature"
    ref = float(case["chi2"])
    # cubature with its own error estimate (~1e-12 here) against 25-digit mpmath quadrature
    assert lim.chi2.value == pytest.approx(ref, rel=1e-10)
    assert abs(lim.chi2.value - ref) <= max(lim.chi2.abs_error, 1e-12 * ref)
    k = lim.kl()
    assert k.value == pytest.approx(float(case["kl"]), rel=1e-10)
    assert abs(k.value - float(case["kl"])) <= k.abs_error


@pytest.mark.parametrize("case", REFS["boundary"], ids=lambda c: f"a{c['alpha']}-t{c['t0']}")
def test_convergent_boundary_series_to_1e_10(case):
    # eigenvalue 1/2 with no offset along it: the double series summed by _limit_boundary
    # against mpmath's textbook series at 40 + K t0 / ln 10 digits
    lim = limit_law(
        Gaussian(np.array(case["mean"]), np.array(case["cov"])), alpha=case["alpha"], t0=case["t0"]
    )
    ref = float(case["chi2"])
    assert "boundary" in lim.chi2.reason
    assert lim.chi2.value == pytest.approx(ref, rel=1e-10)
    assert abs(lim.chi2.value - ref) <= lim.chi2.abs_error
