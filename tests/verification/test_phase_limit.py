"""The ``limit`` phase diagram (verification._phase_limit) against THEORY.md §8's rule and
closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gaussian_oracle import Gaussian, ou_transition, w2
from verification import VerificationError, phase_diagram
from verification._phase_limit import LimitPhaseDiagram, data_of, limit_phase_diagram


def test_infinite_region_is_the_boundary_rule_of_theory() -> None:
    alphas, t0s = [0.1, 0.3, 0.6, 0.95], [0.1, 0.5, 1.2, 2.0]
    pd = phase_diagram("limit", alphas=alphas, values=t0s)
    # N(0, 1/2): one boundary direction, chi2 finite iff (1 - alpha)^2 e^(t0 / 2) < 1 (the
    # series' diagonal; THEORY.md §8 states (1 - alpha) e^(t0 / 2) < 1, which is too strict)
    expected = [(1 - a) ** 2 * math.exp(t / 2) < 1 for t in t0s for a in alphas]
    assert pd.data["chi2_finite"].tolist() == expected
    assert np.all(np.isfinite(pd.data["chi2"][pd.data["chi2_finite"]]))  # summed
    assert np.all(pd.data["chi2"][~pd.data["chi2_finite"]] == np.inf)
    assert pd.summary()["not_summed"] == 0
    assert pd.meta["boundary_directions"] == 1 and pd.figure is not None


def test_w2_at_alpha_one_is_the_bures_distance_of_one_smoothing() -> None:
    data = Gaussian(0.3, 0.8)
    pd = limit_phase_diagram(data, alphas=[0.5, 1.0], t0s=[0.2, 1.0])
    for t0 in (0.2, 1.0):
        row = (pd.data["alpha"] == 1.0) & (pd.data["t0"] == t0)
        exact = w2(ou_transition(data, t0), data)  # alpha = 1: p_inf = P_t0 p
        assert pd.data["w2"][row][0] == pytest.approx(exact, rel=1e-12)
    # off the boundary chi2 is finite everywhere and summed (closed forms)
    assert np.all(np.isfinite(pd.data["chi2"])) and pd.meta["boundary_directions"] == 0
    assert data_of(pd) == data


def test_csv_round_trip_is_bit_identical(tmp_path) -> None:
    pd = limit_phase_diagram(alphas=[0.2, 0.9], t0s=[0.1, 1.0])
    paths = pd.save(tmp_path)
    assert [p.name for p in paths] == ["phase-limit.png", "phase-limit.csv"]
    back = LimitPhaseDiagram.from_csv(paths[1])
    for k, v in pd.data.items():
        assert np.array_equal(back.data[k], v, equal_nan=True), k
    assert back.meta == pd.meta


def test_bad_input_is_refused() -> None:
    with pytest.raises(VerificationError, match="takes no 'c2'"):
        phase_diagram("limit", c2=1.0)
    with pytest.raises(VerificationError, match="alphas must hold"):
        limit_phase_diagram(alphas=[0.0, 0.5])
    with pytest.raises(VerificationError, match="points"):
        limit_phase_diagram(points=1)
    with pytest.raises(VerificationError, match="data applies"):
        phase_diagram("geometric", data=Gaussian(0.0, 1.0))


def test_cli_phase_kind_limit(tmp_path, capsys) -> None:
    from verification.cli import main

    out = tmp_path / "lim"
    assert main(["phase", "--kind", "limit", "--points", "3", "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    # alpha in {0.05, 0.525, 1}, t0 in {0.05, 1.025, 2}: (1 - alpha)^2 e^(t0/2) >= 1 twice
    assert "infinite at 2 of 9 points" in text
    assert sorted(p.name for p in out.iterdir()) == ["phase-limit.csv", "phase-limit.png"]
    assert main(["phase", "--kind", "limit", "--no-oracle", "--out", str(out)]) == 2
