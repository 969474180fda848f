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
    GridOracle,
    LinearGaussianOracle,
    PopulationKDE,
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


if __name__ == "__main__":
    import sys

    if "--recursion-only" not in sys.argv:
        main()
    _recursion(ExactScore(), 20, "ExactScore")
    _recursion(PopulationKDE(0.3), 3, "PopulationKDE(0.3)", " (mostly the bound on the tails)")
