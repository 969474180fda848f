"""Regenerate tests/data/limit_references.json: chi2(p_inf || p) of the limit law of early
stopping (THEORY.md §8, derived in this project) at 40 digits with mpmath.

Run from the repository root: ``python tests/data/make_limit_references.py`` (about a minute).

Gaussian data ``N(m, S)``: every age ``k`` of ``p_inf = sum_k alpha (1 - alpha)^{k-1} P_{k t0} p``
is ``N(sqrt(c) m, c S + (1 - c) I)`` with ``c = e^{-k t0}``, which shares the eigenvectors of
``S``; in that basis every pair integral ``int N_j N_k / p`` is a product of 1-D integrals (the
textbook Gaussian formula), and the double series over ages is summed until the weights fall
below 1e-30. Mixture data in 1-D: ``int p_inf^2 / p - 1`` by mpmath quadrature of the truncated
series; ``KL(p_inf || p)`` of every 1-D case by mpmath quadrature as well. Each case stores its
inputs and the references as decimal strings.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import mpmath as mp
import numpy as np

OUT = Path(__file__).with_name("limit_references.json")
DPS = 40


def _pair_log_integral(mj, vj, mk, vk, m, s):
    """``log int N(mj, vj) N(mk, vk) / N(m, s)`` in 1-D (``1/vj + 1/vk > 1/s``)."""
    prec = 1 / vj + 1 / vk - 1 / s
    b = mj / vj + mk / vk - m / s
    return (
        -mp.log(2 * mp.pi * vj) / 2
        - mp.log(2 * mp.pi * vk) / 2
        + mp.log(2 * mp.pi * s) / 2
        + mp.log(2 * mp.pi / prec) / 2
        - (mj**2 / vj + mk**2 / vk - m**2 / s) / 2
        + b**2 / prec / 2
    )


def gaussian_reference(mean, cov, alpha, t0, k_max=None):
    """chi2(p_inf || N(mean, cov)) by the factorised double series (module docstring); on the
    boundary (an eigenvalue 1/2) ``k_max`` ages, with the working precision raised so that the
    textbook formula's ``1/v_j + 1/v_k - 1/s`` keeps 40 digits at ``u = e^{-k_max t0}``."""
    lam, vec = np.linalg.eigh(np.atleast_2d(cov))
    rot = vec.T @ np.atleast_1d(mean)
    dps = DPS if k_max is None else DPS + math.ceil(k_max * t0 / math.log(10))
    with mp.workdps(dps):
        a, t = mp.mpf(alpha), mp.mpf(t0)
        if k_max is None:
            k_max = math.ceil(math.log(1e-30) / math.log1p(-alpha)) if alpha < 1 else 1
        ages = []
        for k in range(1, k_max + 1):
            c = mp.e ** (-k * t)
            w = a * (1 - a) ** (k - 1)
            ages.append(
                (
                    w,
                    [
                        (mp.sqrt(c) * mp.mpf(mi), c * mp.mpf(li) + 1 - c)
                        for mi, li in zip(rot, lam, strict=True)
                    ],
                )
            )
        total = mp.mpf(0)
        for wj, cj in ages:
            for wk, ck in ages:
                log_int = mp.fsum(
                    _pair_log_integral(mj, vj, mk, vk, mp.mpf(mi), mp.mpf(li))
                    for (mj, vj), (mk, vk), mi, li in zip(cj, ck, rot, lam, strict=True)
                )
                total += wj * wk * mp.expm1(log_int)
        return mp.nstr(total, 30)


def mixture_reference(weights, means, variances, alpha, t0, what="chi2"):
    """chi2(p_inf || p) (or KL) for 1-D mixture data by mpmath quadrature (ages to (1 -
    alpha)^K < 1e-18, below what a 1e-10 comparison sees)."""
    with mp.workdps(25):
        k_max = math.ceil(math.log(1e-18) / math.log1p(-alpha))
        ws, ms, vs = [], [], []
        for k in range(1, k_max + 1):
            c = mp.e ** (-k * mp.mpf(t0))
            for w, mu, v in zip(weights, means, variances, strict=True):
                ws.append(alpha * (1 - mp.mpf(alpha)) ** (k - 1) * w)
                ms.append(mp.sqrt(c) * mu)
                vs.append(c * v + 1 - c)

        def dens(x, law_w, law_m, law_v):
            return mp.fsum(
                w * mp.npdf(x, mu, mp.sqrt(v)) for w, mu, v in zip(law_w, law_m, law_v, strict=True)
            )

        def integrand(x):
            a, b = dens(x, ws, ms, vs), dens(x, weights, means, variances)
            return a * a / b if what == "chi2" else a * mp.log(a / b)

        value = mp.quad(integrand, [-mp.inf, -3, -1, 0, 1, 3, mp.inf])
        return mp.nstr(value - 1 if what == "chi2" else value, 20)


CASES_GAUSSIAN = [
    {"mean": [0.3], "cov": [[0.8]], "alpha": 0.4, "t0": 0.1},
    {"mean": [-1.0], "cov": [[2.5]], "alpha": 0.7, "t0": 0.5},
    {"mean": [0.0], "cov": [[0.55]], "alpha": 0.05, "t0": 0.02},
    {"mean": [0.5, -0.3], "cov": [[1.2, 0.3], [0.3, 0.7]], "alpha": 0.3, "t0": 0.2},
    {"mean": [0.2] * 10, "cov": (0.8 * np.eye(10)).tolist(), "alpha": 0.5, "t0": 0.02},
]
#: THEORY.md §8's convergent boundary (eigenvalue 1/2, no offset along it): summed to K ages,
#: with (1 - alpha)^K e^(K t0 / 4) < 1e-18 (the Cauchy-Schwarz tail of gaussian_oracle's sum)
CASES_BOUNDARY = [
    {"mean": [0.0], "cov": [[0.5]], "alpha": 0.5, "t0": 1.3, "k_max": 120},
    {"mean": [0.0], "cov": [[0.5]], "alpha": 0.3, "t0": 1.0, "k_max": 400},
    {"mean": [0.0, 0.4], "cov": [[0.5, 0.0], [0.0, 0.9]], "alpha": 0.4, "t0": 0.8, "k_max": 150},
]
CASES_MIXTURE = [
    {"weights": [0.4, 0.6], "means": [-1.0, 1.0], "variances": [0.6, 0.7], "alpha": 0.5, "t0": 0.3},
    {"weights": [0.5, 0.5], "means": [-2.0, 2.0], "variances": [0.6, 0.6], "alpha": 0.3, "t0": 0.1},
]


def main() -> None:
    out = {"gaussian": [], "mixture": [], "boundary": []}
    for case in CASES_BOUNDARY:
        ref = gaussian_reference(
            case["mean"], case["cov"], case["alpha"], case["t0"], k_max=case["k_max"]
        )
        out["boundary"].append({**case, "chi2": ref})
        print("boundary", case["alpha"], case["t0"], ref)
    for case in CASES_GAUSSIAN:
        ref = gaussian_reference(case["mean"], case["cov"], case["alpha"], case["t0"])
        extra = {}
        if len(case["mean"]) == 1:
            m, v = case["mean"][0], case["cov"][0][0]
            extra["kl"] = mixture_reference([1.0], [m], [v], case["alpha"], case["t0"], "kl")
        out["gaussian"].append({**case, "chi2": ref, **extra})
        print(case["alpha"], case["t0"], len(case["mean"]), ref)
    for case in CASES_MIXTURE:
        ref = mixture_reference(
            case["weights"], case["means"], case["variances"], case["alpha"], case["t0"]
        )
        kl_ref = mixture_reference(
            case["weights"], case["means"], case["variances"], case["alpha"], case["t0"], "kl"
        )
        out["mixture"].append({**case, "chi2": ref, "kl": kl_ref})
        print(case, ref)
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
