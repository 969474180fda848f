"""Throughput of the bounds (prints figures; no assertions).

Run: ``python benchmarks/bench_bounds.py [--repeat N]``.

* every closed-form bound on a 1000 x 1000 (alpha, eps^2) grid (10^6 evaluations each);
* ``discounted_sum`` for N = 10^5 generations over 10^3 alphas (10^8 outputs), against the
  baseline of one raw ``scipy.signal.lfilter`` per alpha in the same run (no blocking, no
  correction: ~1e-11 relative at this N, against 2.9e-14 for the library). Target (issue 16):
  ratio <= 2.5 (measured 6.1 before buffer reuse).
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
from _timing import best  # benchmarks/ is on sys.path when run as a script

import bounds as B


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    alpha = np.linspace(1e-3, 1.0, 1000)[:, None]
    eps = np.linspace(0.0, 1.0, 1000)[None, :]
    grid = np.broadcast_to(eps, (1000, 1000))
    cases = {
        "kl_upper": lambda: B.kl_upper(grid),
        "chi2_lower": lambda: B.chi2_lower(grid, 0.5, C=0.3),
        "chi2_lower_clean": lambda: B.chi2_lower_clean(grid, 0.5, C=0.3, outside="vacuous"),
        "chi2_upper": lambda: B.chi2_upper(grid, c=2.0),
        "refresh": lambda: B.refresh(eps, alpha),
        "next_lower": lambda: B.next_lower(eps, 2 * eps, alpha),
        "persistence_floor": lambda: B.persistence_floor(alpha, 0.5, eps),
        "fixed_point": lambda: B.fixed_point(eps, alpha),
        "sqrt_recursion_step": lambda: B.sqrt_recursion_step(eps, 2 * eps, alpha),
    }
    for name, fn in cases.items():
        t = best(fn, args.repeat)
        print(f"{name:20s} 1000x1000 grid: {t * 1e3:7.1f} ms  ({1e6 / t:,.0f} evaluations/s)")
    e = np.random.default_rng(0).uniform(0.0, 1.0, 100_000)
    alphas = np.linspace(1e-6, 1.0, 1000)
    from scipy.signal import lfilter

    def raw() -> None:
        out = np.empty((alphas.size, e.size))
        for k, a in enumerate(alphas):
            out[k] = lfilter([1.0], [1.0, -((1.0 - a) ** 2)], e)

    base = best(raw, args.repeat)
    t = best(lambda: B.discounted_sum(e, alphas), args.repeat)
    print(
        f"discounted_sum N=1e5 x 1e3 alphas: {t:.2f} s "
        f"({1e8 / t:,.0f} outputs/s, {1e3 / t:,.0f} alphas/s); raw lfilter {base:.2f} s; "
        f"ratio {t / base:.2f} (target <= 2.5)"
    )
    e6 = np.random.default_rng(1).uniform(0.0, 1.0, 1_000_000)
    t = best(lambda: B.discounted_sum(e6, 1e-10), args.repeat)
    print(f"discounted_sum N=1e6, one alpha: {t * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
