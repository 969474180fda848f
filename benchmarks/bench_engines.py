"""Throughput of the single-generation engines (prints figures; no assertions).

Run: ``python benchmarks/bench_engines.py``.

* exact linear-Gaussian engine, d = 10, time-dependent W(s) and xi(s): solves per second;
* Monte Carlo engine: path-steps per second (both processes advanced per path-step) for
  d = 10 Gaussian data and for a 5-component mixture in d = 10.
"""

from __future__ import annotations

import platform
import time

import numpy as np
from _timing import best  # benchmarks/ is on sys.path when run as a script

from gaussian_oracle import (
    AffineError,
    Diffusion,
    Gaussian,
    GaussianMixture,
    LinearGaussianOracle,
    simulate_reverse,
)


def main() -> None:
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    rng = np.random.default_rng(0)
    d = 10
    a = rng.standard_normal((d, d)) / np.sqrt(d)
    data = Gaussian(rng.standard_normal(d), a @ a.T + 0.3 * np.eye(d))
    w0 = 0.1 * rng.standard_normal((d, d))
    x0 = 0.2 * rng.standard_normal(d)
    err = AffineError(W=lambda s: w0 * np.exp(-0.3 * s), xi=lambda s: x0 * np.cos(s))
    for init in ("standard", "exact"):
        oracle = LinearGaussianOracle(data, Diffusion(init=init), err)
        n = 5
        t = time.perf_counter()
        for _ in range(n):
            sol = oracle.solve(0.5)
        el = (time.perf_counter() - t) / n
        print(
            f"exact engine d=10, time-dependent W, init={init}: {el * 1e3:.0f} ms/solve "
            f"({1 / el:.1f} solves/s, {sol.n_rhs} RHS evaluations)"
        )
    n_paths, n_steps = 10_000, 200
    for name, law in (
        ("Gaussian d=10", data),
        (
            "5-component mixture d=10",
            GaussianMixture(np.full(5, 0.2), rng.standard_normal((5, d)), 0.36 * np.eye(d)),
        ),
    ):
        times = {
            richardson: best(
                lambda r=richardson, law=law: simulate_reverse(
                    law,
                    Diffusion(),
                    err,
                    n_paths=n_paths,
                    n_steps=n_steps,
                    rng=np.random.default_rng(1),
                    richardson=r,
                ),
                3,
            )
            for richardson in (False, True)
        }
        el = times[False]
        print(
            f"Monte Carlo, {name}: {el:.2f} s for {n_paths} paths x {n_steps} steps "
            f"({n_paths * n_steps / el:,.0f} path-steps/s); with the Richardson bias estimate "
            f"(coupled 2h and 4h grids): {times[True]:.2f} s, ratio {times[True] / el:.2f} "
            "(work ratio 1.75)"
        )


if __name__ == "__main__":
    main()
