"""Cost of the limit law of early stopping (THEORY.md §8) (prints figures; no assertions).

Run: ``python benchmarks/bench_limit.py [--points 33] [--repeat 3]``.

Targets (issue 17), each with a baseline measured in the same run:

* ``limit_law`` + its chi2 for a 10-D 5-component mixture (the paper's geometry: covariance
  0.36 I, hence chi2 = inf by the tail rule, and the same data with covariance 0.8 I, where chi2
  is finite and estimated by importance sampling). Baseline: one ``chi2(P_t0 p || p)`` (one age).
* Hermite coefficients up to order 8 in 1-D and 4 in 2-D, closed form for a mixture. Baseline:
  the same coefficients by quadrature of the same law on a grid (the route for grid laws).
* The ``limit`` phase diagram at 33 x 33 (W2 by quadrature at every point). Baseline: the
  ``geometric`` regime diagram at the same size (closed-form recursion, vectorised).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _timing import best

from gaussian_oracle import (
    Box,
    Gaussian,
    GaussianMixture,
    GridLaw,
    chi2,
    hermite_coefficients,
    limit_law,
    ou_transition,
)
from verification import phase_diagram


def paper_mixture(var: float) -> GaussianMixture:
    means = np.zeros((5, 10))
    means[1:, :2] = [[4, 4], [4, -4], [-4, 4], [-4, -4]]
    return GaussianMixture(np.full(5, 0.2), means, var * np.eye(10))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=33)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng
    for var in (0.36, 0.8):
        data = paper_mixture(var)
        t_lim = best(lambda d=data: limit_law(d, alpha=0.5, t0=0.02, rng=rng(0)), args.repeat)
        one = ou_transition(data, 0.02)
        t_one = best(lambda d=data, o=one: chi2(o, d, rng=rng(0)), args.repeat)
        lim = limit_law(data, alpha=0.5, t0=0.02, rng=rng(0))
        print(
            f"limit_law 10-D 5 components, cov {var} I, alpha 0.5, t0 0.02: {t_lim:.3f} s "
            f"({lim.law.n_components} components, chi2 = {lim.chi2.value:.6g} "
            f"[{lim.chi2.method}] +- {lim.chi2.abs_error:.2g}); one age's chi2 {t_one:.3f} s; "
            f"ratio {t_lim / t_one:.2f}"
        )
    mix1 = GaussianMixture([0.4, 0.6], [-1.5, 1.0], [0.3, 0.8])
    mix2 = GaussianMixture([0.5, 0.5], [[-1.0, 0.5], [1.0, -0.5]], [[[0.5, 0.1], [0.1, 0.7]]] * 2)
    for law, order, box in (
        (mix1, 8, Box([-15.0], [15.0], [512])),
        (mix2, 4, Box([-12.0, -12.0], [12.0, 12.0], [128, 128])),
    ):
        grid = GridLaw(box, np.exp(law.logpdf(box.points)).reshape(box.shape))
        t_closed = best(lambda lw=law, o=order: hermite_coefficients(lw, o), args.repeat)
        t_quad = best(lambda g=grid, o=order: hermite_coefficients(g, o), args.repeat)
        exact, quad = hermite_coefficients(law, order), hermite_coefficients(grid, order)
        gap = np.max(np.abs(exact.values - quad.values))
        print(
            f"hermite_coefficients {law.dim}-D order {order}: closed form {1e3 * t_closed:.2f} ms, "
            f"grid quadrature {1e3 * t_quad:.2f} ms (ratio {t_closed / t_quad:.2f}; "
            f"max difference {gap:.1e})"
        )
    n = args.points
    t = time.perf_counter()
    lim_pd = phase_diagram("limit", points=n)
    t_limit = time.perf_counter() - t
    t = time.perf_counter()
    phase_diagram("geometric", points=n)
    t_geo = time.perf_counter() - t
    s = lim_pd.summary()
    print(
        f"phase limit {n}x{n}: {t_limit:.1f} s ({1e3 * t_limit / n**2:.1f} ms per point; "
        f"{s['infinite']} points with chi2 = inf); geometric {n}x{n}: {t_geo:.2f} s; "
        f"ratio {t_limit / t_geo:.1f}"
    )
    print(f"(data N(0, 1/2): on the boundary; {Gaussian(0.0, 0.5)})")


if __name__ == "__main__":
    main()
