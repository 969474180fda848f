"""Phase diagrams: theory columns against the bounds' formulas written out, the oracle's D_N
against an independent closed form of the shift recursion, CSV round trip, figure, bad input."""

from __future__ import annotations

import json
import math
import os

import mpmath
import numpy as np
import pytest

from bounds import ConstantSchedule, GeometricSchedule, PowerLawSchedule, classify_regime
from gaussian_oracle import AffinePushforward, Diffusion, Gaussian, run_recursion
from verification import KINDS, PhaseDiagram, phase_diagram
from verification.cli import main

T, T0 = 4.0, 0.02
KAPPA = math.exp(-T0) - math.exp(-T)  # score energy of a unit shift of N(0, 1)


def shift_recursion_D(energies, alpha, *, alternating=False, t0=T0):
    """D_N of the oracle's shift recursion, written out independently of the oracle.

    With data N(0, 1), every law is a mixture of unit-variance Gaussians; generation i+1 is
    ``P_t0`` of the shift by ``b_i`` of ``alpha N(0, 1) + (1 - alpha) p_hat_i``: each mean
    ``m -> (m + b_i) e^{-t0/2}``, and a fresh component enters at 0 with weight alpha. Against
    N(0, 1), ``int N(m_j, 1) N(m_k, 1) / N(0, 1) = exp(m_j m_k)``, so
    ``1 + chi2 = sum_jk w_j w_k exp(m_j m_k)``, evaluated with mpmath at 40 digits.
    """
    c = math.exp(-t0 / 2.0)
    comps = [(mpmath.mpf(1), mpmath.mpf(0))]
    out = []
    with mpmath.workdps(40):
        for i, e in enumerate(energies):
            b = mpmath.sqrt(mpmath.mpf(e) / KAPPA) * (-1 if alternating and i % 2 else 1)
            mixed = [(mpmath.mpf(alpha), mpmath.mpf(0))] + [
                ((1 - mpmath.mpf(alpha)) * w, m) for w, m in comps
            ]
            comps = [(w, (m + b) * c) for w, m in mixed if w > 0]
            total = mpmath.fsum(
                wj * wk * mpmath.exp(mj * mk) for wj, mj in comps for wk, mk in comps
            )
            out.append(float(total - 1))
    return np.array(out)


def test_theory_columns_match_the_bounds_written_out():
    alphas, rates = [0.0, 0.25, 1.0], [0.5, 1.0]
    pd = phase_diagram("geometric", alphas=alphas, values=rates, horizon=6, oracle=False)
    assert pd.data["alpha"].size == 6 and np.all(np.isnan(pd.data["D"]))
    for row in pd.rows():
        a, r = row["alpha"], row["param"]
        e = 0.1 * r ** np.arange(6)
        # S_N = sum_i (1 - a)^{2(N-1-i)} eps_i^2, written out (bounds.discounted_sum is O(N))
        s = sum((1 - a) ** (2 * (5 - i)) * e[i] for i in range(6))
        assert row["S"] == pytest.approx(s, rel=1e-13)  # round-off of 6 terms
        assert row["upper"] == pytest.approx(4.0 * s, rel=1e-13)
        assert row["regime"] == classify_regime(GeometricSchedule(0.1, r), a).name
        floor = a * 0.1 / (16 * (1 + (1 - a) ** 2)) if row["regime"] == "error-floor" else 0.0
        assert row["floor"] == pytest.approx(floor, rel=1e-13)
        assert row["memory"] == (math.inf if a == 0 else 0.5 / a)
    regimes = {(r["alpha"], r["param"]): r["regime"] for r in pd.rows()}
    assert regimes[(0.0, 0.5)] == "no-forgetting" and regimes[(0.25, 0.5)] == "summable"
    assert regimes[(0.25, 1.0)] == "error-floor"


@pytest.mark.parametrize("bias", ["aligned", "alternating"])
def test_oracle_D_matches_the_shift_recursion_written_out(bias):
    alphas = [0.0, 0.3, 1.0]
    pd = phase_diagram("horizon", alphas=alphas, horizon=8, bias=bias)
    energies = ConstantSchedule(0.01).values(8)
    for a in alphas:
        exact = shift_recursion_D(energies, a, alternating=bias == "alternating")
        mine = pd.data["D"][pd.data["alpha"] == a]  # rows ordered N = 1 .. 8
        # sum of w w expm1(m m') vs mpmath: a few ulps per term, K^2 <= 64 terms of one sign
        # (aligned) or of a cancelling sum whose condition stays below ~10 (alternating)
        np.testing.assert_allclose(mine, exact, rtol=1e-12, atol=0.0)


def test_oracle_D_on_decaying_schedules_and_alpha_one_closed_form():
    pd = phase_diagram("power-law", alphas=[0.5, 1.0], values=[0.5, 2.0], horizon=7)
    for row in pd.rows():
        e = PowerLawSchedule(0.1, row["param"]).values(7)
        exact = shift_recursion_D(e, row["alpha"])[-1]
        assert row["D"] == pytest.approx(exact, rel=1e-12)  # as above
        if row["alpha"] == 1.0:  # q_i = p: one shifted Gaussian, chi2 = e^{mu^2} - 1
            mu = math.sqrt(e[-1] / KAPPA) * math.exp(-T0 / 2)
            assert row["D"] == pytest.approx(math.expm1(mu**2), rel=1e-12)
            assert row["bias"] == pytest.approx(math.sqrt(e[-1] / KAPPA), rel=1e-15)


def test_the_vectorised_overlay_matches_the_oracles_recursion():
    """shift_recursion_D (one matrix for every alpha) against run_recursion's pair cache, an
    independent implementation, on shifts of three sizes; beyond float64 both say inf."""
    from verification._phase import shift_recursion_D as vectorised

    rng = np.random.default_rng(4)
    alphas = np.array([0.0, 0.13, 0.5, 1.0])
    diff = Diffusion(T=T, t0=T0, init="exact")
    for scale, n in ((1e-6, 9), (0.3, 12), (30.0, 4)):
        b = scale * rng.normal(size=n)
        mine = vectorised(b, alphas, T0, every=True)
        for row, alpha in zip(mine, alphas, strict=True):
            learners = [AffinePushforward(1.0, float(x)) for x in b]
            traj = run_recursion(
                Gaussian(0.0, 1.0),
                alpha=float(alpha),
                learner=learners,
                diffusion=diff,
                generations=n,
                compute=(),
            )
            ref = traj.D_values[1:]
            assert np.array_equal(np.isinf(row), np.isinf(ref))
            # both relative to round-off: exp(m m') with |m m'| up to ~10 costs ~10 ulps
            np.testing.assert_allclose(row[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-12)
        if scale == 30.0:
            assert np.any(np.isinf(mine))  # the overflow case occurs


def test_nominal_energy_is_exact_on_a_gaussian_and_lower_on_the_mixture():
    """The oracle's learner has nominal energy eps_i^2 (exact on a Gaussian q_i); on the mixture
    q_i the realised energy (the oracle's own quadrature) is lower, as the module says."""
    eps2, alpha, n = 0.01, 0.3, 5
    b = math.sqrt(eps2 / KAPPA)
    traj = run_recursion(
        Gaussian(0.0, 1.0),
        alpha=alpha,
        learner=AffinePushforward(1.0, b),
        diffusion=Diffusion(T=T, t0=T0, init="exact"),
        generations=n,
        compute=("eps_star2", "eta"),
        eta_paths=200,
        eta_steps=20,
    )
    ratio = np.array([e.value for e in traj.eps_star2]) / eps2
    assert ratio[0] == pytest.approx(1.0, rel=1e-9)  # q_0 = p: exact linear engine
    assert np.all(np.diff(ratio) < 0)  # the mixture spreads, the shift is seen less
    assert ratio[-1] > 0.95  # measured 0.977 at generation 5 (cubature rtol 1e-8)


def test_exceedances_and_summary():
    pd = phase_diagram("geometric", alphas=[0.1, 0.5, 1.0], values=[0.6, 0.9], horizon=20)
    d = pd.data
    claimed = (d["regime"] == "summable") & d["perturbative"]
    over = claimed & (d["D"] > 4.0 * d["S"])
    summ = pd.summary()
    assert summ["claimed"] == int(claimed.sum()) == 6
    assert summ["exceeded"] == int(over.sum()) >= 1  # aligned shifts at alpha = 0.1
    assert summ["C_bias_needed"] == pytest.approx(float(np.max((d["D"] - 4 * d["S"])[claimed])))
    assert summ["alpha"] == 0.1
    # alpha = 1: D_N = e^{mu^2} - 1 ~ eps^2 e^{-t0} / kappa < 4 eps^2: never exceeded
    assert not np.any(over[d["alpha"] == 1.0])
    # with the C_bias it reports, the bound holds everywhere it is claimed
    fixed = phase_diagram(
        "geometric",
        alphas=[0.1, 0.5, 1.0],
        values=[0.6, 0.9],
        horizon=20,
        C_bias=summ["C_bias_needed"],
    )
    assert fixed.summary()["exceeded"] == 0


def test_ratio_is_not_reported_below_the_oracle_resolution():
    pd = phase_diagram("geometric", alphas=[0.9, 1.0], values=[0.0, 0.5], horizon=30)
    tiny = (pd.data["D"] < 1e-12) & (pd.data["upper"] < 1e-12)
    assert np.any(tiny) and np.all(np.isnan(pd.data["ratio"][tiny]))


def test_csv_round_trip_and_figure(tmp_path):
    pd = phase_diagram("floor", alphas=[0.0, 0.5, 1.0], values=[1e-3, 0.1, 3.0], horizon=5)
    paths = pd.save(tmp_path, format="svg")
    assert [p.name for p in paths] == ["phase-floor.svg", "phase-floor.csv"]
    assert paths[0].read_text().startswith("<?xml")
    back = PhaseDiagram.from_csv(paths[1])
    assert back.kind == "floor" and back.meta == json.loads(json.dumps(pd.meta))
    for key, col in pd.data.items():
        if key == "regime":
            assert list(back.data[key]) == list(col)
        else:  # repr() of floats round-trips exactly
            np.testing.assert_array_equal(back.data[key], col)
    assert not any(p.name.endswith(".part") for p in tmp_path.iterdir())
    mask = os.umask(0)
    os.umask(mask)
    for p in paths:  # readable as a plain open() would leave them, not private to the owner
        assert p.stat().st_mode & 0o777 == 0o666 & ~mask
    fig = back.figure
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and "alpha" in ax.get_xlabel()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"no-forgetting", "error-floor"} <= set(labels)
    assert any("varepsilon^2>1" in t for t in labels)  # eps^2 = 3: outside, hatched
    assert any("oracle" in t for t in labels) and any("theory" in t for t in labels)


def test_horizon_figure_draws_the_memory_line():
    pd = phase_diagram("horizon", alphas=[0.1, 0.5, 1.0], horizon=6, oracle=False)
    labels = [t.get_text() for t in pd.figure.legends[0].get_texts()]
    assert any("memory" in t for t in labels) and not any("oracle" in t for t in labels)
    assert pd.summary()["claimed"] == 0  # no oracle: no ratios
    assert sorted(set(pd.data["param"])) == [1, 2, 3, 4, 5, 6]


def test_every_kind_runs_on_a_tiny_grid():
    for kind in (k for k in KINDS if k != "limit"):  # "limit": tests/verification/test_phase_limit
        pd = phase_diagram(kind, points=2, horizon=3)
        assert pd.data["alpha"].size == (2 * 3 if kind == "horizon" else 4)
        assert np.all(np.isfinite(pd.data["S"]) | (pd.data["alpha"] == 0))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "diagonal"}, "kind='diagonal' must be one of"),
        ({"bias": "random"}, "bias='random'"),
        ({"alphas": [0.5, 1.5]}, "alphas must lie in [0, 1]"),
        ({"alphas": [0.5, 0.2]}, "alphas must be strictly increasing"),
        ({"alphas": [0.5]}, "alphas must be a vector of at least 2"),
        ({"kind": "geometric", "values": [0.5, 1.2]}, "values must lie in [0, 1]"),
        ({"kind": "horizon", "values": [1.0, 2.5], "horizon": 3}, "whole generations"),
        ({"kind": "floor", "values": [0.0, 0.1]}, "must be > 0 (eps^2 is on a log axis)"),
        ({"kind": "floor", "schedule": ConstantSchedule(0.1)}, "kind='horizon' only"),
        ({"horizon": 0}, "horizon=0 must be an integer >= 1"),
        ({"points": 1}, "points=1 must be an integer >= 2"),
        ({"eps0_2": -1.0}, "eps0_2=-1.0 must be a finite number > 0"),
        ({"c2": float("nan")}, "c2=nan must be a finite number >= 0"),
        ({"eta_min": 2.0}, "eta_min=2.0 must lie in [0, 1]"),
        ({"diffusion": Diffusion(init="standard")}, "init='exact'"),
    ],
)
def test_bad_input_is_named(kwargs, message):
    with pytest.raises(ValueError, match=None) as info:
        phase_diagram(**{"oracle": False, **kwargs})
    assert message in str(info.value)


def test_bad_save_format(tmp_path):
    pd = phase_diagram("horizon", points=2, horizon=2, oracle=False)
    with pytest.raises(ValueError, match="format='jpg' must be one of png, svg, pdf"):
        pd.save(tmp_path, format="jpg")
    assert list(tmp_path.iterdir()) == []


def test_from_csv_rejects_other_files(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a phase-diagram CSV"):
        PhaseDiagram.from_csv(path)


def test_cli_phase_writes_figure_and_csv(tmp_path, capsys):
    out = tmp_path / "ph"
    argv = ["phase", "--kind", "geometric", "--points", "3", "--generations", "10"]
    assert main([*argv, "--out", str(out), "--format", "pdf", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "phase-geometric.pdf" in printed and "summable, perturbative points" in printed
    assert (out / "phase-geometric.pdf").read_bytes().startswith(b"%PDF")
    back = PhaseDiagram.from_csv(out / "phase-geometric.csv")
    assert back.data["alpha"].size == 9 and back.meta["horizon"] == 10


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["phase", "--eps0-2", "0"], "eps0_2=0.0 must be a finite number > 0"),
        (["phase", "--c2", "-1", "--no-oracle"], "c2=-1.0 must be a finite number >= 0"),
    ],
)
def test_cli_phase_bad_usage(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_phase_out_is_a_file(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("")
    assert main(["phase", "--no-oracle", "--points", "2", "--out", str(f)]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
