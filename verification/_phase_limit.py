"""The ``limit`` phase diagram: the limit law of early stopping alone over ``alpha x t0``.

THEORY.md §8 (derived in this project, consistent with the abstract of [KTV26b]): at each grid
point the exact-score recursion's fixed point ``p_inf`` (:func:`gaussian_oracle.limit_law`),
``chi2(p_inf || p)`` (exact: closed forms and the tail rule; ``inf`` where §8 says, the
convergent boundary series summed by :mod:`gaussian_oracle._limit_boundary`; NaN only where the
oracle has no route), and ``W2(p_inf, p)`` (1-D:
quadrature of the monotone map, with the truncation's W2 bound in the error; NaN above). The
default data ``N(0, 1/2)`` sits on §8's boundary, so the diagram shows the contour
``(1 - alpha)^2 e^(t0 / 2) = 1`` where chi2 becomes infinite (§8 states ``(1 - alpha) e^(t0 /
2) = 1``; see :mod:`gaussian_oracle._limit_boundary`), with W2 as the colour.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gaussian_oracle import Gaussian, limit_law, wasserstein2

from ._config import law_from_config, law_to_config
from ._errors import VerificationError
from ._phase_data import DiagramFiles, read_table, write_table

__all__ = ["LimitPhaseDiagram", "limit_phase_diagram"]

COLUMNS = ("alpha", "t0", "chi2", "chi2_finite", "chi2_error", "w2", "w2_error")
#: weight the limit laws of the diagram leave out: its TV error; the W2 error bound
#: sqrt(2 tol M) ~ 1e-4 is far below the colour scale's resolution
TOL = 1e-8


@dataclass(frozen=True, eq=False)
class LimitPhaseDiagram(DiagramFiles):
    """The ``limit`` diagram's tidy data (one row per grid point) and settings.

    ``data`` columns: ``alpha``, ``t0``; ``chi2`` (``inf`` where it is infinite or beyond
    float64, NaN where the oracle has no route), ``chi2_finite`` (the exact
    decision), ``chi2_error``; ``w2`` and ``w2_error`` (NaN above dimension 1). ``meta``: kind,
    data (as a configuration), tol, the boundary's direction count ``r`` (0 off the boundary).
    """

    kind: str
    data: dict[str, np.ndarray]
    meta: dict[str, Any]
    _figure: list[Any] = field(default_factory=list, repr=False)

    def grid(self, column: str) -> np.ndarray:
        """A column as ``(n_t0, n_alpha)``."""
        a, t = np.unique(self.data["alpha"]), np.unique(self.data["t0"])
        return np.asarray(self.data[column], dtype=float).reshape(t.size, a.size)

    def rows(self) -> list[dict[str, Any]]:
        n = len(self.data["alpha"])
        return [{k: self.data[k][i].item() for k in COLUMNS} for i in range(n)]

    def summary(self) -> dict[str, Any]:
        """``points``, ``infinite`` (points where chi2 is infinite), ``not_summed``, the
        largest finite chi2 and the W2 range (JSON-safe)."""
        d = self.data
        finite = d["chi2"][np.isfinite(d["chi2"])]
        w2 = d["w2"][np.isfinite(d["w2"])]
        return {
            "kind": "limit",
            "points": int(d["alpha"].size),
            "infinite": int(np.sum(~d["chi2_finite"].astype(bool))),
            "not_summed": int(np.sum(np.isnan(d["chi2"]))),
            "max_finite_chi2": float(np.max(finite)) if finite.size else math.nan,
            "w2_min": float(np.min(w2)) if w2.size else math.nan,
            "w2_max": float(np.max(w2)) if w2.size else math.nan,
        }

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write the settings and the rows, atomically (:func:`write_table`)."""
        return write_table(Path(path), self.meta, COLUMNS, self.rows())

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str]) -> LimitPhaseDiagram:
        """Read a diagram written by :meth:`to_csv` (bit-identical columns)."""
        meta, header, rows = read_table(path)
        if tuple(header) != COLUMNS or meta.get("kind") != "limit":
            raise VerificationError(f"{path}: not a limit phase-diagram CSV")
        cols = list(zip(*rows, strict=True)) or [()] * len(COLUMNS)
        data = {k: np.array([float(v) for v in c]) for k, c in zip(COLUMNS, cols, strict=True)}
        data["chi2_finite"] = data["chi2_finite"].astype(bool)
        return cls("limit", data, meta)

    def plot(self, *, figsize: tuple[float, float] = (4.2, 3.6)) -> Any:
        """W2(p_inf, p) in colour (log chi2 where W2 is not available), the region where
        chi2 is infinite hatched and bounded by a solid contour, and (on the boundary) §8's
        curve ``(1 - alpha)^2 e^(r t0 / 2) = 1`` dashed over it."""
        from matplotlib.figure import Figure

        a, t = np.unique(self.data["alpha"]), np.unique(self.data["t0"])
        fig = Figure(figsize=figsize, layout="constrained")
        ax = fig.add_subplot()
        w2 = self.grid("w2")
        if np.any(np.isfinite(w2)):
            colour, label = w2, "W2(p_inf, p)"
        else:
            with np.errstate(divide="ignore"):
                colour, label = np.log10(self.grid("chi2")), "log10 chi2(p_inf || p)"
        colour = np.where(np.isfinite(colour), colour, np.nan)
        mesh = ax.pcolormesh(a, t, colour, shading="nearest", cmap="viridis")
        fig.colorbar(mesh, ax=ax, label=label)
        infinite = 1.0 - self.grid("chi2_finite")
        if 0 < np.sum(infinite) < infinite.size:
            ax.contour(a, t, infinite, levels=[0.5], colors="white", linewidths=1.5)
        if np.any(infinite):
            ax.contourf(a, t, infinite, levels=[0.5, 1.5], colors="none", hatches=["//"])
        r = int(self.meta.get("boundary_directions", 0))
        if r:
            aa = np.linspace(max(a[0], 1e-6), min(a[-1], 1 - 1e-9), 200)
            ax.plot(aa, -4.0 * np.log1p(-aa) / r, "w--", lw=1, label="(1-a)^2 e^(r t0/2) = 1")
            ax.set_ylim(t[0], t[-1])
            ax.legend(loc="upper left", fontsize=7, facecolor="black", labelcolor="white")
        ax.set_xlabel("alpha (fresh-data fraction)")
        ax.set_ylabel("t0 (early stopping)")
        ax.set_title("limit law of early stopping (hatched: chi2 = inf)", fontsize=8)
        return fig


def _boundary_directions(data: Any) -> int:
    """Directions of §8's boundary (covariance eigenvalue exactly 1/2, none below, no mean
    offset along them) for Gaussian data; 0 otherwise."""
    if not isinstance(data, Gaussian):
        return 0
    lam, vec = np.linalg.eigh(data.cov)
    edge = lam == 0.5
    if np.any(lam < 0.5) or np.any(vec[:, edge].T @ data.mean != 0.0):
        return 0
    return int(np.sum(edge))


def _grid(name: str, values: Any, low: float, high: float) -> np.ndarray:
    try:
        arr = np.unique(np.asarray(values, dtype=float).ravel())
    except (TypeError, ValueError) as exc:
        raise VerificationError(f"{name}={values!r} must be numbers") from exc
    if arr.size < 2 or not np.all(np.isfinite(arr)) or arr[0] <= low or arr[-1] > high:
        raise VerificationError(
            f"{name} must hold at least 2 distinct finite values in ({low:g}, {high:g}]"
        )
    return arr


def limit_phase_diagram(
    data: Any = None,
    *,
    alphas: Any = None,
    t0s: Any = None,
    points: int = 17,
    tol: float = TOL,
    progress: Callable[[int, int, str], None] | None = None,
) -> LimitPhaseDiagram:
    """The ``limit`` diagram (module docstring) over ``alphas x t0s``.

    Parameters
    ----------
    data : Gaussian or GaussianMixture, optional
        Default ``N(0, 1/2)`` in 1-D (on THEORY.md §8's boundary).
    alphas, t0s : array_like, optional
        Defaults: ``points`` values from 0.05 to 1 and from 0.05 to 2.
    tol : float
        Weight each limit law leaves out (:func:`gaussian_oracle.limit_law`).
    progress : callable ``(done, total, label)``, optional
        Called after each row (one ``t0``).

    Examples
    --------
    >>> pd = limit_phase_diagram(alphas=[0.2, 0.9], t0s=[0.1, 1.0])
    >>> pd.data["chi2_finite"].tolist()       # (1 - alpha)^2 e^(t0 / 2) < 1
    [True, True, False, True]
    """
    law = Gaussian(0.0, 0.5) if data is None else data
    if not isinstance(points, int) or isinstance(points, bool) or points < 2:
        raise VerificationError(f"points={points!r} must be an integer >= 2")
    a = _grid("alphas", np.linspace(0.05, 1.0, points) if alphas is None else alphas, 0.0, 1.0)
    t = _grid("t0s", np.linspace(0.05, 2.0, points) if t0s is None else t0s, 0.0, np.inf)
    cols: dict[str, list[float]] = {k: [] for k in COLUMNS}
    for row, t0 in enumerate(t):
        for alpha in a:
            try:
                lim = limit_law(law, alpha=float(alpha), t0=float(t0), tol=tol)
            except ValueError as exc:
                raise VerificationError(f"data: {exc}") from exc
            # infinite only by the tail rule; a finite value beyond float64 is finite
            value, error = lim.chi2.value, lim.chi2.abs_error
            finite = lim.chi2.finite or lim.chi2.method == "overflow"
            if law.dim == 1:
                w = wasserstein2(lim.law, law)
                w2, w2_err = w.value, w.abs_error + lim.truncation_w2
            else:
                w2, w2_err = math.nan, math.nan
            for k, v in zip(COLUMNS, (alpha, t0, value, finite, error, w2, w2_err), strict=True):
                cols[k].append(float(v))
        if progress is not None:
            progress(row + 1, len(t), f"t0={t0:.3g}")
    arrays = {k: np.array(v) for k, v in cols.items()}
    arrays["chi2_finite"] = arrays["chi2_finite"].astype(bool)
    meta = {
        "kind": "limit",
        "data": law_to_config(law),
        "tol": tol,
        "boundary_directions": _boundary_directions(law),
    }
    return LimitPhaseDiagram("limit", arrays, meta)


def data_of(diagram: LimitPhaseDiagram) -> Any:
    """The data law a diagram was drawn for (from its settings)."""
    return law_from_config(diagram.meta["data"])
