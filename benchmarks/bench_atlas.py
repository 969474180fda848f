"""Cost of the constant atlas (issue 19) (prints figures; no assertions).

Run: ``python benchmarks/bench_atlas.py [--budget 2000] [--seed 0]``.

Target: the atlas over the Gaussian-affine family (d = 1..5, the linear engine) for Prop 3.3 and
Thm 3.4 with a budget of 2,000 evaluations each, < 5 min on 2 cores. Printed: evaluations per
second, the largest required constant with its evaluation index and the convergence trace
(best value after 10%, 25%, 50%, 75% and 100% of the budget). Baseline in the same run: the same
number of evaluations drawn at random from the family (``Family.draw``), the search's overhead
being the ratio.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from verification import run_check
from verification._atlas import ATLAS_CONSTANTS, ATLAS_FAMILIES, atlas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    family = ATLAS_FAMILIES["gaussian-affine"]()
    total = 0.0
    for statement, constant in ATLAS_CONSTANTS.items():
        t = time.perf_counter()
        res = atlas(statement, family, budget=args.budget, seed=args.seed)
        wall = time.perf_counter() - t
        total += wall
        rng = np.random.default_rng(args.seed)
        n_base = max(20, res.evaluations // 10)
        t = time.perf_counter()
        for _ in range(n_base):
            run_check(statement, family.draw(rng))
        base = (time.perf_counter() - t) / n_base
        marks = [res.trace[max(0, int(q * res.evaluations) - 1)] for q in (0.1, 0.25, 0.5, 0.75, 1)]
        k = int(np.argmax(res.trace >= res.best)) if res.best > 0 else -1
        print(f"{statement} ({constant}): {res.evaluations} evaluations in {wall:.1f} s "
              f"({res.evaluations / wall:.1f}/s; random draws {1 / base:.1f}/s: ratio "
              f"{wall / res.evaluations / base:.2f}); largest required {res.best:.6g} "
              f"(first reached at evaluation {k}); {res.outside} outside the hypotheses; "
              f"trace at 10/25/50/75/100%: {', '.join(f'{m:.4g}' for m in marks)}")  # fmt: skip
    print(f"both statements: {total:.1f} s (target < 300 s on 2 cores)")


if __name__ == "__main__":
    main()
