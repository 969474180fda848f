"""Throughput of the single-generation engines (prints figures; no assertions).

Run: ``python benchmarks/bench_engines.py``.

* exact linear-Gaussian engine, d = 10, time-dependent W(s) and xi(s): solves per second, one
  scale per solve and 16 scales batched in one system;
* Monte Carlo engine: path-steps per second (both processes advanced per path-step) for
  d = 10 Gaussian data and for a 5-component mixture in d = 10, against a minimal float64
  NumPy Euler-Maruyama of the same two processes with the same exact score and energies
  (no Richardson levels, no checks), measured in the same run. Target (issue 16): ratio <= 1.0
  (measured 1.51 for Gaussian data and 1.21 for the mixture before). Also the float32
  paths (``precision="float32"``): their speed-up and how far they move the estimates on
  the same draws.
"""

from __future__ import annotations

import platform
from typing import Any

import numpy as np
from _timing import best  # benchmarks/ is on sys.path when run as a script
from threadpoolctl import threadpool_limits

from gaussian_oracle import (
    AffineError,
    Diffusion,
    Gaussian,
    GaussianMixture,
    LinearGaussianOracle,
    simulate_reverse,
)


def baseline(law, diffusion, w0, x0, n_paths, n_steps, rng):
    """Both reverse processes, both energies and the martingale of the eta regression, in plain
    NumPy (the benchmark's yardstick)."""
    d = law.dim
    means = np.atleast_2d(law.mean) if isinstance(law, Gaussian) else law.means
    covs = law.cov[None] if isinstance(law, Gaussian) else law.covs
    logw = np.log(np.ones(1) if isinstance(law, Gaussian) else law.weights)
    h = diffusion.horizon / n_steps
    y = rng.standard_normal((2 * n_paths, d))  # ideal and learned stacked
    energy = np.zeros(2 * n_paths)  # along the ideal and the learned paths
    mart = np.zeros(n_paths)  # int e . dB along the ideal path (the eta regression's response)
    for k in range(n_steps):
        s = diffusion.T - k * h
        c = np.exp(-0.5 * s)
        m_s = c * means
        prec = np.linalg.inv(c * c * covs + (1.0 - c * c) * np.eye(d))
        diff = y[None] - m_s[:, None]  # (K, 2n, d)
        pd = diff @ prec  # (K, 2n, d); prec symmetric
        if len(logw) == 1:
            sc = -pd[0]
        else:
            logdet = np.linalg.slogdet(prec)[1]
            logn = logw[:, None] + 0.5 * logdet[:, None] - 0.5 * np.einsum("kni,kni->kn", diff, pd)
            r = np.exp(logn - logn.max(axis=0))
            r /= r.sum(axis=0)
            sc = -np.einsum("kn,kni->ni", r, pd)
        e = y @ (w0 * np.exp(-0.3 * s)).T + x0 * np.cos(s)
        energy += h * np.einsum("ni,ni->n", e, e)
        drift = 0.5 * y + sc
        drift[n_paths:] += 0.5 * e[n_paths:]
        db = np.sqrt(h) * rng.standard_normal((n_paths, d))
        mart += np.einsum("ni,ni->n", e[:n_paths], db)
        y = y + h * drift + np.concatenate([db, db])
    return energy, mart


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
        sol = oracle.solve(0.5)
        el = best(lambda o=oracle: o.solve(0.5), 10)
        scales = np.linspace(0.1, 2.0, 16)
        batched = best(lambda o=oracle, x=scales: o.solve_many(x), 3) / scales.size
        print(
            f"exact engine d=10, time-dependent W, init={init}: {el * 1e3:.1f} ms/solve "
            f"({1 / el:.1f} solves/s, {sol.n_rhs} RHS evaluations; target < 10 ms, 26 ms "
            f"before issue 16); {scales.size} scales batched (solve_many): "
            f"{batched * 1e3:.2f} ms/scale (target < 3 ms)"
        )
    n_paths, n_steps = 10_000, 200
    for name, law in (
        ("Gaussian d=10", data),
        (
            "5-component mixture d=10",
            GaussianMixture(np.full(5, 0.2), rng.standard_normal((5, d)), 0.36 * np.eye(d)),
        ),
    ):

        def sim(law: object = law, richardson: bool = False, precision: str = "float64") -> Any:
            return simulate_reverse(
                law,
                Diffusion(),
                err,
                n_paths=n_paths,
                n_steps=n_steps,
                rng=np.random.default_rng(1),
                richardson=richardson,
                precision=precision,
            )

        times = {r: best(lambda r=r: sim(richardson=r), 3) for r in (False, True)}
        el = times[False]
        r64, r32 = sim(), sim(precision="float32")
        el32 = best(lambda: sim(precision="float32"), 3)
        gap = abs(r32.eps_star2.value / r64.eps_star2.value - 1.0)

        def run_base(law: object = law) -> object:
            return baseline(law, Diffusion(), w0, x0, n_paths, n_steps, np.random.default_rng(1))

        with threadpool_limits(limits=1):  # as the engine's step loop
            base = best(run_base, 3)
        base_threads = best(run_base, 3)  # the BLAS's default threads
        print(
            f"Monte Carlo, {name}: {el:.2f} s for {n_paths} paths x {n_steps} steps "
            f"({n_paths * n_steps / el:,.0f} path-steps/s); NumPy baseline {base:.2f} s (one "
            f"BLAS thread; {base_threads:.2f} s with the default threads), ratio "
            f"{el / base:.2f} (target <= 1.0); with the Richardson bias estimate (coupled 2h "
            f"and 4h grids): {times[True]:.2f} s, ratio {times[True] / el:.2f} (work ratio 1.75)"
        )
        print(
            f"  float32 paths: {el32:.2f} s ({el / el32:.2f}x faster); on the same draws "
            f"eps_star2 moves by {gap:.1e} relative (its standard error: "
            f"{r64.eps_star2.abs_error / r64.eps_star2.value:.1e}), eta by "
            f"{abs(r32.eta.value - r64.eta.value):.1e} (standard error {r64.eta.abs_error:.1e})"
        )


if __name__ == "__main__":
    main()
