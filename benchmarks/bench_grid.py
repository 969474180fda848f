"""Time and accuracy of the grid engine and the grid recursion (prints figures; no assertions).

Run: ``python benchmarks/bench_grid.py``.

Targets (issue "grid engine"): one 1-D generation to 1e-10 under 1 s; one 2-D generation to
1e-8 under 15 s; a 1-D standard-init recursion of 20 generations, every quantity, under 20 s.
Each line gives the time against a baseline measured in the same run (the exact linear engine
on the same Gaussian-affine instance, the Monte Carlo engine at its default size for a
nonlinear error, the closed-form exact-init recursion), the achieved error against the linear
engine where it applies, and the error the grid engine states.
"""

from __future__ import annotations

import time

import numpy as np
from _timing import best  # benchmarks/ is on sys.path when run as a script

from gaussian_oracle import (
    AffineError,
    Diffusion,
    ExactScore,
    Gaussian,
    GaussianMixture,
    GradientTable,
    GridOracle,
    LinearGaussianOracle,
    PopulationKDE,
    RotatedScore,
    Tanh,
    run_recursion,
    simulate_reverse,
)

NAMES = ("eps_star2", "eta", "eps_hat2", "chi2", "kl")


def _against_linear(label: str, data: Gaussian, error: AffineError, init: str) -> None:
    diffusion = Diffusion(init=init)
    t_lin = best(lambda: LinearGaussianOracle(data, diffusion, error).solve(0.5), 3)
    lin = LinearGaussianOracle(data, diffusion, error).solve(0.5, rtol=3e-14)
    oracle = GridOracle(data, diffusion, error)
    t_grid = best(lambda: oracle.solve(0.5), 1)
    sol = oracle.solve(0.5)
    worst = max(
        abs(getattr(sol, n).value - float(getattr(lin, n))) / abs(float(getattr(lin, n)))
        for n in NAMES
    )
    stated = max(getattr(sol, n).abs_error / abs(getattr(sol, n).value) for n in NAMES)
    print(
        f"{label}, init={init}: {t_grid:.2f} s on {sol.native.box.n} points "
        f"(linear engine {t_lin * 1e3:.1f} ms: ratio {t_grid / t_lin:.0f}x); achieved relative "
        f"error {worst:.1e}, stated {stated:.1e}"
    )


def main() -> None:
    for init in ("exact", "standard"):
        _against_linear(
            "1-D Gaussian, affine error", Gaussian(0.3, 0.5), AffineError(W=-0.3, xi=0.2), init
        )
    data2 = Gaussian([0.3, -0.2], [[0.5, 0.1], [0.1, 0.4]])
    err2 = AffineError(W=[[-0.2, 0.1], [0.0, -0.1]], xi=[0.2, 0.1])
    _against_linear("2-D Gaussian, affine error", data2, err2, "exact")
    mixture = GaussianMixture([0.5, 0.5], [[-1.0], [1.0]], [0.25, 0.25])
    diffusion = Diffusion(init="exact")
    t_mc = best(
        lambda: simulate_reverse(
            mixture,
            diffusion,
            Tanh(0.3),
            n_paths=4000,
            n_steps=200,
            rng=np.random.default_rng(0),
        ),
        1,
    )
    oracle = GridOracle(mixture, diffusion, Tanh(0.3))
    t_grid = best(lambda: oracle.solve(1.0), 1)
    sol = oracle.solve(1.0)
    print(
        f"1-D bimodal, tanh error: {t_grid:.2f} s on {sol.native.box.n} points (Monte Carlo "
        f"4000 paths x 200 steps {t_mc:.2f} s: ratio {t_grid / t_mc:.2f}x); eta "
        f"{sol.eta.value:.10f} +- {sol.eta.abs_error:.1e} (Monte Carlo: an estimate with s.e.)"
    )


def _recursion(learner: object, generations: int, label: str, note: str = "") -> None:
    """A 1-D standard-init recursion on the mixture at +-1 (grid) against the closed-form
    exact-init one. PopulationKDE(0.3) took minutes per generation before the absolute
    tolerances followed rtol on grid laws."""
    mixture = GaussianMixture([0.5, 0.5], [[-1.0], [1.0]], [1.0, 1.0])
    kw = {"alpha": 0.5, "learner": learner, "generations": generations}
    t_closed = best(lambda: run_recursion(mixture, diffusion=Diffusion(init="exact"), **kw), 1)
    t = time.perf_counter()
    traj = run_recursion(mixture, diffusion=Diffusion(), **kw)
    t_grid = time.perf_counter() - t
    worst = max(d.abs_error / d.value for d in traj.D[1:])
    print(
        f"1-D standard-init recursion, {generations} generations, {label} on a mixture: "
        f"{t_grid:.1f} s on {traj.settings['box']['n']} points (closed-form exact-init "
        f"recursion {t_closed:.2f} s: ratio {t_grid / t_closed:.0f}x); largest stated relative "
        f"error of D_i {worst:.1e}{note}"
    )


class _Wave:
    """``c grad(sin(y1 / 2) sin(y2 / 3))``, an entire gradient field."""

    def __init__(self, c: float) -> None:
        self.c = c

    def __call__(self, y: np.ndarray, s: float) -> np.ndarray:
        a, b = y[:, 0] / 2.0, y[:, 1] / 3.0
        return self.c * np.stack([np.cos(a) * np.sin(b) / 2.0, np.sin(a) * np.cos(b) / 3.0], 1)


def _gradient_table() -> None:
    """The engine on GradientTable(wave + rotated score) against the engine on the wave, the
    gradient part known in closed form (the baseline: the same solve with a closed-form field)."""
    data = Gaussian([0.3, -0.2], [[1.0, 0.3], [0.3, 0.6]])
    diffusion = Diffusion(T=0.6, t0=0.1, init="exact")
    wave, rot = _Wave(0.4), RotatedScore(data, 0.5)
    t = time.perf_counter()
    want = GridOracle(data, diffusion, wave, rtol=1e-6).solve(0.05)
    t_wave = time.perf_counter() - t
    table = GradientTable(lambda y, s: wave(y, s) + rot(y, s), data, diffusion, rtol=1e-8)
    t = time.perf_counter()
    got = GridOracle(data, diffusion, table, rtol=1e-6).solve(0.05)
    t_table = time.perf_counter() - t
    gap = abs(got.chi2.value - want.chi2.value) / want.chi2.value
    print(
        f"2-D GradientTable of wave + rotated score: {t_table:.1f} s (the engine on the known "
        f"gradient part {t_wave:.1f} s: ratio {t_table / t_wave:.1f}x); chi2 agrees to "
        f"{gap:.1e} relative; nodes and accuracy per grid {table.accuracy}"
    )


if __name__ == "__main__":
    import sys

    if "--table-only" in sys.argv:
        _gradient_table()
        sys.exit(0)
    if "--recursion-only" not in sys.argv:
        main()
        _gradient_table()
    _recursion(ExactScore(), 20, "ExactScore")
    _recursion(PopulationKDE(0.3), 3, "PopulationKDE(0.3)", " (mostly the bound on the tails)")
