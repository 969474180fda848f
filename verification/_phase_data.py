"""The phase diagram as data: :class:`PhaseDiagram`, its tidy rows, CSV, summary, files."""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._errors import VerificationError
from ._output import Staging, atomic_write, check_output_folder, figure_writer

__all__ = ["FORMATS", "KINDS", "PhaseDiagram"]

#: the diagrams :func:`phase_diagram` draws ("limit": :mod:`verification._phase_limit`, its own
#: columns)
KINDS = ("floor", "geometric", "power-law", "horizon", "limit")

#: figure formats :meth:`PhaseDiagram.save` writes
FORMATS = ("png", "svg", "pdf")

#: name of the second axis per kind (the column of the tidy data)
_PARAM = {"floor": "eps2", "geometric": "r", "power-law": "p", "horizon": "N", "limit": "t0"}

#: below this both ``D_N`` and the bound are at the round-off of the oracle's closed form
#: (``expm1`` of a log-sum of O(1) terms: absolute error ~1e-15 times the number of components)
D_RESOLUTION = 1e-12

_COLUMNS = (
    "alpha",
    "param",
    "N",
    "regime",
    "perturbative",
    "memory",
    "S",
    "upper",
    "floor",
    "bias",
    "D",
    "ratio",
)


def write_table(path: Path, meta: dict[str, Any], columns: tuple[str, ...], rows: Any) -> Path:
    """A diagram's CSV: the settings as ``# key: json`` lines, then the rows (atomically)."""

    def write(handle: Any) -> None:
        for key, value in meta.items():
            handle.write(f"# {key}: {json.dumps(value)}\n")
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(columns)
        for row in rows:
            out.writerow([_csv_cell(row[k]) for k in columns])

    return atomic_write(path, write)


def read_table(path: str | os.PathLike[str]) -> tuple[dict[str, Any], list[str], list[list[str]]]:
    """``(settings, header, rows)`` of a CSV written by :func:`write_table`."""
    meta: dict[str, Any] = {}
    body = []
    for line in Path(path).read_text().splitlines():
        if line.startswith("# "):
            key, _, value = line[2:].partition(": ")
            meta[key] = json.loads(value)
        elif line:
            body.append(line)
    reader = csv.reader(body)
    return meta, next(reader, []), list(reader)


class DiagramFiles:
    """The figure and files of a diagram (``kind``, ``_figure``, ``plot`` and ``to_csv`` come
    from the class that uses it): drawn once, written as ``phase-<kind>.<format>`` and
    ``phase-<kind>.csv``."""

    kind: str
    _figure: list[Any]

    def plot(self) -> Any:  # pragma: no cover - every diagram defines its own
        raise NotImplementedError

    def to_csv(self, path: str | os.PathLike[str]) -> Path:  # pragma: no cover
        raise NotImplementedError

    @property
    def figure(self) -> Any:
        """The matplotlib Figure (drawn on first access; see :meth:`plot`)."""
        if not self._figure:
            self._figure.append(self.plot())
        return self._figure[0]

    def save(
        self, out_dir: str | os.PathLike[str], *, format: str = "png", dpi: int = 200
    ) -> list[Path]:
        """Write ``phase-<kind>.<format>`` and ``phase-<kind>.csv`` into ``out_dir`` as one set
        (staged, then moved into place: see :mod:`verification._output`)."""
        if format not in FORMATS:
            raise VerificationError(f"format={format!r} must be one of {', '.join(FORMATS)}")
        out = Path(out_dir)
        check_output_folder(out, "out_dir")
        with Staging(out) as stage:
            written = self.write_into(stage.path, format=format, dpi=dpi)
            stage.commit()
        return [out / p.name for p in written]  # figure, then CSV

    def write_into(self, folder: Path, *, format: str = "png", dpi: int = 200) -> list[Path]:
        """Write the figure and the CSV into an existing ``folder`` (each file atomically)."""
        return [
            atomic_write(
                folder / f"phase-{self.kind}.{format}",
                figure_writer(self.figure, format, dpi),
                "wb",
            ),
            self.to_csv(folder / f"phase-{self.kind}.csv"),
        ]


@dataclass(frozen=True, eq=False)
class PhaseDiagram(DiagramFiles):
    """A phase diagram's tidy data (one row per grid point), its settings and its figure.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    data : dict of str to ndarray
        Columns of equal length: ``alpha``; ``param`` (the second axis: ``eps2``, ``r``, ``p``
        or ``N`` according to ``kind``, named in ``meta["param"]``); ``N`` (the horizon);
        ``regime`` (:data:`bounds.REGIMES`); ``perturbative`` (every ``eps_i^2 <= 1`` up to
        ``N``); ``memory`` (``1/(2 alpha)``); ``S`` (discounted sum, Thm 4.2 right side, bounds
        ``D_N``); ``upper`` (``c2 S + C_bias``); ``floor`` (Prop 4.1 (ii), 0 outside the
        error-floor regime); ``bias`` (the oracle's last shift ``b_{N-1}``); ``D`` (the
        oracle's exact ``D_N``, ``nan`` when not computed, ``inf`` beyond float64); ``ratio``
        (``D / upper``: above 1 the additive bound with these constants fails).
    meta : dict
        Settings (JSON-safe): kind, param, horizon, c2, C_bias, eta_min, eps0_2, schedule,
        bias, T, t0, oracle.
    """

    kind: str
    data: dict[str, np.ndarray]
    meta: dict[str, Any]
    _figure: list[Any] = field(default_factory=list, repr=False)

    def rows(self) -> list[dict[str, Any]]:
        """The tidy data as a list of records."""
        n = len(self.data["alpha"])
        return [{k: _plain(self.data[k][i]) for k in _COLUMNS} for i in range(n)]

    def summary(self) -> dict[str, Any]:
        """Where the oracle exceeds the additive Thm 4.2 bound (summable, perturbative points).

        Returns a JSON-safe dict: ``points`` (grid size), ``claimed`` (summable, perturbative
        points, where the additive bound is a theorem), ``exceeded`` (of those, ``D_N`` above
        ``c2 S_N + C_bias``), ``max_ratio`` with its ``alpha`` and parameter, and
        ``C_bias_needed`` (the largest ``D_N - c2 S_N`` there: the ``C_bias`` that would
        restore the bound with this ``c2``). Ratios are ``nan`` without the oracle.
        """
        d = self.data
        claimed = (d["regime"] == "summable") & d["perturbative"] & np.isfinite(d["ratio"])
        out: dict[str, Any] = {
            "kind": self.kind,
            "points": int(d["alpha"].size),
            "claimed": int(np.sum(claimed)),
            "exceeded": int(np.sum(claimed & (d["ratio"] > 1.0))),
            "max_ratio": math.nan,
            "alpha": math.nan,
            self.meta["param"]: math.nan,
            "C_bias_needed": 0.0,
        }
        if np.any(claimed):
            k = int(np.flatnonzero(claimed)[np.argmax(d["ratio"][claimed])])
            out["max_ratio"] = float(d["ratio"][k])
            out["alpha"] = float(d["alpha"][k])
            out[self.meta["param"]] = float(d["param"][k])
            excess = d["D"][claimed] - self.meta["c2"] * d["S"][claimed]
            out["C_bias_needed"] = float(max(0.0, np.max(excess)))
        return out

    def grid(self, column: str) -> np.ndarray:
        """A column reshaped to ``(n_param, n_alpha)`` (rows: second axis; for ``contour``)."""
        a = np.unique(self.data["alpha"])
        p = np.unique(self.data["param"])
        return np.asarray(self.data[column]).reshape(p.size, a.size)

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write the settings (``# key: json`` lines) and the rows, atomically."""
        return write_table(Path(path), self.meta, _COLUMNS, self.rows())

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str]) -> PhaseDiagram:
        """Read a diagram written by :meth:`to_csv` (the figure is redrawn from the data)."""
        meta, header, reader = read_table(path)
        if tuple(header) != _COLUMNS or meta.get("kind") not in KINDS[:-1]:
            raise VerificationError(
                f"{path}: not a phase-diagram CSV written by PhaseDiagram.to_csv"
            )
        cols: dict[str, list[str]] = {k: [] for k in _COLUMNS}
        for rec in reader:
            for k, v in zip(_COLUMNS, rec, strict=True):
                cols[k].append(v)
        data = {k: np.array(v, dtype=object if k == "regime" else float) for k, v in cols.items()}
        data["perturbative"] = data["perturbative"].astype(bool)
        return cls(meta["kind"], data, meta)

    def plot(self, *, figsize: tuple[float, float] = (3.5, 4.1)) -> Any:
        """Draw the diagram (a new matplotlib Figure; no pyplot state).

        Regions are coloured by regime; solid contours are the theory's ``c2 S_N + C_bias``,
        dashed contours the oracle's exact ``D_N`` at the same levels (decades); hatching marks
        ``eps_i^2 > 1`` (outside the perturbative hypotheses); crosses mark summable,
        perturbative points where the oracle exceeds the additive bound. On the horizon diagram
        a dotted line shows the memory ``N = 1/(2 alpha)``.
        """
        from ._phase_plot import draw

        return draw(self, figsize)


def _plain(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def _csv_cell(x: Any) -> str:
    if isinstance(x, bool):
        return str(int(x))
    return repr(x) if isinstance(x, float) else str(x)
