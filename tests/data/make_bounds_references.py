"""Regenerate tests/data/bounds_references.json: mpmath references at 50 digits.

Run from the repository root: ``python tests/data/make_bounds_references.py`` (a few minutes).
Schedules are rebuilt in the tests from the recipe stored with each case (seeded NumPy
generators are reproducible across platforms), so only the recipe and the reference values
are stored.
"""

from __future__ import annotations

import json
from pathlib import Path

import mpmath as mp
import numpy as np

OUT = Path(__file__).with_name("bounds_references.json")
N = 1_000_000
INDICES = [0, 1, 999, 100_000, N - 1]
ALPHAS = [1e-10, 1e-6, 0.3, 1 - 1e-10]


def schedule(recipe: dict) -> np.ndarray:
    """The energies of a recipe (also used by the tests)."""
    kind, n = recipe["kind"], recipe["n"]
    if kind == "constant":
        return np.full(n, recipe["value"])
    if kind == "uniform":
        return np.random.default_rng(recipe["seed"]).uniform(0.0, 1.0, n) * recipe["scale"]
    if kind == "geometric":
        return recipe["scale"] * np.exp(np.arange(n) * np.log(recipe["ratio"]))
    raise ValueError(kind)


def discounted_reference(e: np.ndarray, alpha: float, d0: float, power: int) -> dict[int, str]:
    with mp.workdps(50):
        r = (1 - mp.mpf(alpha)) ** power
        s = mp.mpf(d0)
        out = {}
        wanted = set(INDICES)
        for k, ek in enumerate(e.tolist()):
            s = r * s + mp.mpf(ek)
            if k in wanted:
                out[k] = mp.nstr(s, 30)
        return out


def main() -> None:
    recipes = [
        {"kind": "constant", "value": 1e-300, "n": N},
        {"kind": "constant", "value": 1e300, "n": N},
        {"kind": "uniform", "seed": 7, "scale": 1.0, "n": N},
        {"kind": "geometric", "scale": 1e300, "ratio": 0.99999, "n": N},
    ]
    cases = []
    for recipe in recipes:
        e = schedule(recipe)
        for alpha in ALPHAS:
            for d0 in (0.0, 2.5):
                if recipe["kind"] != "uniform" and d0:
                    continue
                cases.append(
                    {
                        "recipe": recipe,
                        "alpha": alpha,
                        "D_i0": d0,
                        "power": 2,
                        "values": discounted_reference(e, alpha, d0, 2),
                    }
                )
                print(recipe["kind"], alpha, d0, flush=True)
    closed = []
    with mp.workdps(50):
        for eps in (1e-300, 1e-150, 1e-8, 0.3, 1.0):
            for eta in (1e-10, 0.5, 1.0):
                e_, h = mp.mpf(eps), mp.mpf(eta)
                c_const = mp.mpf("0.01")
                closed.append(
                    {
                        "eps_star2": eps,
                        "eta": eta,
                        "C": 0.01,
                        "c": 0.01,
                        "chi2_lower": mp.nstr(h * e_ / 4 - c_const * e_**2, 30),
                        "chi2_upper": mp.nstr(4 * e_ + c_const * e_**2, 30),
                        "kl_upper": mp.nstr(e_ / 2, 30),
                    }
                )
        floors = []
        for alpha in (1e-10, 1e-3, 0.5, 1 - 1e-10, 1.0):
            for eps in (1e-300, 1.0, 1e300):
                a = mp.mpf(alpha)
                floors.append(
                    {
                        "alpha": alpha,
                        "eta_min": 0.7,
                        "eps_min2": eps,
                        "persistence_floor": mp.nstr(
                            a * mp.mpf(0.7) * mp.mpf(eps) / (16 * (1 + (1 - a) ** 2)), 30
                        ),
                        "refresh": mp.nstr((1 - a) ** 2 * mp.mpf(eps), 30),
                        "fixed_point": mp.nstr(mp.mpf(eps) / (a * (2 - a)), 30),
                    }
                )
    OUT.write_text(
        json.dumps(
            {
                "generated_by": Path(__file__).name,
                "dps": 50,
                "indices": INDICES,
                "discounted": cases,
                "closed_forms": closed,
                "recursion": floors,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
