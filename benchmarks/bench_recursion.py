"""Throughput of the multi-generation recursion (prints figures; no assertions).

Run: ``python benchmarks/bench_recursion.py [--generations N] [--paper-generations M]``.

* Gaussian data in d = 10, AffinePushforward learner, exact D_i for every generation
  (closed form, mixture vs Gaussian); observables off (they are per-generation Monte Carlo).
* The paper's geometry: d = 10, 5 equal-weight components with covariance 0.36 I, T = 4,
  t0 = 0.02, PopulationKDE(h) with h = 0.6 (= sigma: D_i infinite from generation 1) and
  h = 0.1 (finite until the variance recursion crosses 2 sigma^2), alpha in {0.1, 0.5, 0.9}:
  laws exact, finite D_i by importance sampling (the data is a mixture).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from gaussian_oracle import (
    AffinePushforward,
    Diffusion,
    Gaussian,
    GaussianMixture,
    PopulationKDE,
    run_recursion,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=1000)
    parser.add_argument("--paper-generations", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    d = 10
    a = rng.standard_normal((d, d)) / np.sqrt(d)
    data = Gaussian(rng.standard_normal(d), a @ a.T + 0.5 * np.eye(d))
    learner = AffinePushforward(np.eye(d), 0.002)  # a bias error: D_i stays finite
    t = time.perf_counter()
    traj = run_recursion(
        data,
        alpha=0.1,
        learner=learner,
        diffusion=Diffusion(init="exact"),
        generations=args.generations,
        compute=(),
    )
    el = time.perf_counter() - t
    print(
        f"Gaussian d=10, AffinePushforward, {args.generations} generations (exact D_i): "
        f"{el:.1f} s; final components {traj.laws[-1].n_components}; "
        f"D_last = {traj.D_values[-1]:.6g} ({traj.D[-1].reason or 'in range'}); "
        f"first infinite = {traj.first_infinite}; first beyond float64 = {traj.first_overflow}"
    )
    means = rng.standard_normal((5, d)) * 1.5
    paper = GaussianMixture(np.full(5, 0.2), means, 0.36 * np.eye(d))
    for h, alpha in [(h, a) for h in (0.6, 0.1) for a in (0.1, 0.5, 0.9)]:
        t = time.perf_counter()
        traj = run_recursion(
            paper,
            alpha=alpha,
            learner=PopulationKDE(h),
            diffusion=Diffusion(T=4.0, t0=0.02, init="exact"),
            generations=args.paper_generations,
            compute=(),
            n_samples=20_000,
            rng=np.random.default_rng(1),
        )
        el = time.perf_counter() - t
        print(
            f"paper geometry, h={h}, alpha={alpha}: {el:.1f} s for {args.paper_generations} "
            f"generations; D = {np.array2string(traj.D_values[-3:], precision=4)} (last 3), "
            f"first infinite = {traj.first_infinite}"
        )


if __name__ == "__main__":
    main()
