"""The atlas's search space: a family's parameter boxes as a box of real coordinates, and the
one search both the atlas and the A3 search run on it (private)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._errors import VerificationError

#: the largest value handed to the optimiser: its squares stay finite (the spread of a
#: population's values)
_HUGE = 1e100


class _Space:
    """The family's boxes as a box of real coordinates (and back)."""

    def __init__(self, family: Any, fixed: dict[str, Any]) -> None:
        from ._families import Choice, Integer, Real

        self.family, self.fixed = family, fixed
        self.boxes = [b for b in family.boxes if b.name not in fixed]
        self.bounds: list[tuple[float, float]] = []
        self.integral: list[bool] = []
        for b in self.boxes:
            if isinstance(b, Real):
                self.bounds.append((b.low, b.high))
                self.integral.append(False)
            elif isinstance(b, Integer):
                self.bounds.append((b.low, b.high))
                self.integral.append(True)
            elif isinstance(b, Choice):
                self.bounds.append((0, len(b.options) - 1))
                self.integral.append(True)
            else:  # pragma: no cover - the three box kinds are all there are
                raise VerificationError(f"box {b!r} is not a Real, Integer or Choice")
        unknown = set(fixed) - {b.name for b in family.boxes}
        if unknown:
            raise VerificationError(
                f"fixed={sorted(unknown)} are not parameters of family {family.name!r}"
            )

    def optimise(
        self,
        f: Callable[[np.ndarray], float],
        *,
        popsize: int,
        maxiter: int,
        seed: int,
        polish: Callable[[], int],
        before_polish: Callable[[], None] | None = None,
    ) -> None:
        """Minimise ``f`` over the box: differential evolution (random initial population,
        integer coordinates kept integral), then a bounded L-BFGS-B polish of the continuous
        coordinates at its best point with ``polish()`` calls of ``f`` (none when <= 0)."""
        from scipy.optimize import differential_evolution, minimize

        de = differential_evolution(
            f, self.bounds, integrality=np.array(self.integral), popsize=popsize,
            maxiter=maxiter, rng=np.random.default_rng(seed), polish=False, init="random",
            tol=0.0,
        )  # fmt: skip
        continuous = [i for i, integral in enumerate(self.integral) if not integral]
        calls = polish()
        if not continuous or calls <= 0:
            return
        if before_polish is not None:
            before_polish()
        best_x = np.asarray(de.x, dtype=float)

        def local(z: np.ndarray) -> float:
            x = best_x.copy()
            x[continuous] = z
            return f(x)

        box = [self.bounds[i] for i in continuous]
        opts = {"maxfun": calls, "ftol": 1e-15, "gtol": 1e-12}
        minimize(local, best_x[continuous], method="L-BFGS-B", bounds=box, options=opts)

    def params(self, x: np.ndarray) -> dict[str, Any]:
        from ._families import Choice, Integer, Real

        out = dict(self.fixed)
        for b, v, (lo, hi) in zip(self.boxes, x, self.bounds, strict=True):
            v = min(max(float(v), lo), hi)
            if isinstance(b, Real):
                out[b.name] = 10.0**v if b.log10 else v
            elif isinstance(b, Integer):
                out[b.name] = round(v)
            elif isinstance(b, Choice):
                out[b.name] = b.options[round(v)]
        return out
