"""Throughput of the oracle's core operations (prints figures; no assertions).

Run: ``python benchmarks/bench_oracle.py [--repeat N]``.

Measured:
* chi2 of a 1,000-component mixture against a Gaussian in d = 10 (closed form, 500,500 pairs);
* mixture ``logpdf`` and exact ``score`` throughput for 10^5 points, d = 10, 5 components;
* the tail rule and construction of the 1,000-component mixture (factorisations).
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
from _timing import best  # benchmarks/ is on sys.path when run as a script

from gaussian_oracle import Gaussian, GaussianMixture, chi2, chi2_tail_check, score


def _random_mixture(rng: np.random.Generator, k: int, d: int) -> GaussianMixture:
    a = rng.standard_normal((k, d, d)) / np.sqrt(d)
    covs = 0.3 * np.einsum("kij,klj->kil", a, a) + 0.5 * np.eye(d)
    w = rng.uniform(0.5, 1.0, k)
    return GaussianMixture(w / w.sum(), rng.standard_normal((k, d)), covs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    d = 10
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")

    k = 1000
    t_build = best(lambda: _random_mixture(np.random.default_rng(1), k, d), args.repeat)
    big = _random_mixture(np.random.default_rng(1), k, d)
    target = Gaussian(np.zeros(d), 3.0 * np.eye(d))
    t_tail = best(lambda: chi2_tail_check(big, target), args.repeat)
    t_chi2 = best(lambda: chi2(big, target), args.repeat)
    pairs = k * (k + 1) // 2
    print(f"build 1000-component mixture, d=10:   {t_build * 1e3:8.1f} ms")
    print(f"tail rule 1000 components vs Gaussian: {t_tail * 1e3:8.1f} ms")
    print(
        f"chi2 1000-component mixture vs Gaussian, d=10: {t_chi2:.3f} s "
        f"({pairs / t_chi2:,.0f} component pairs/s); value {chi2(big, target).value:.6g}"
    )

    small = _random_mixture(rng, 5, d)
    x = rng.standard_normal((100_000, d))
    t_log = best(lambda: small.logpdf(x), args.repeat)
    t_score = best(lambda: score(small, x, 0.0), args.repeat)
    t_score_t = best(lambda: score(small, x, 0.5), args.repeat)
    n = x.shape[0]
    rows = (("mixture logpdf", t_log), ("mixture score ", t_score), ("score of P_0.5", t_score_t))
    for label, t in rows:
        print(f"{label}, 1e5 points, d=10, K=5: {t * 1e3:8.1f} ms  ({n / t:,.0f} points/s)")


if __name__ == "__main__":
    main()
