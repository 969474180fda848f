"""Drawing of :class:`~verification.PhaseDiagram` (private; see ``PhaseDiagram.plot``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from bounds import REGIMES

from ._output import PALETTE

_AXIS_LABEL = {
    "floor": r"error floor $\varepsilon^2$  ($\varepsilon_i^2 = \varepsilon^2$)",
    "geometric": r"decay rate $r$  ($\varepsilon_i^2 = \varepsilon_0^2 r^i$)",
    "power-law": r"exponent $p$  ($\varepsilon_i^2 = \varepsilon_0^2 (i+1)^{-p}$)",
    "horizon": r"generation $N$",
}

#: Okabe–Ito colours of the regimes (tinted in the figure so that contours stay readable)
REGIME_COLOURS = {
    "no-forgetting": "#CC79A7",
    "vacuous": "#56B4E9",
    "undetermined": "#999999",
    "summable": "#009E73",
    "error-floor": "#E69F00",
    "non-summable": "#D55E00",
}


def draw(diagram: Any, figsize: tuple[float, float]) -> Any:
    """A new Figure of ``diagram`` (no pyplot state); what it shows: ``PhaseDiagram.plot``."""
    from matplotlib.colors import ListedColormap, to_rgb
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    a = np.unique(diagram.data["alpha"])
    p = np.unique(diagram.data["param"])
    regime = diagram.grid("regime")
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    tint = [tuple(0.45 * np.array(to_rgb(REGIME_COLOURS[r])) + 0.55) for r in REGIMES]
    idx = np.vectorize(REGIMES.index, otypes=[float])(regime)
    ax.pcolormesh(
        a,
        p,
        idx,
        cmap=ListedColormap(tint),
        vmin=-0.5,
        vmax=len(REGIMES) - 0.5,
        shading="nearest",
    )
    present = [r for r in REGIMES if np.any(regime == r)]
    handles: list[Any] = [
        Patch(facecolor=tint[REGIMES.index(r)], edgecolor="0.5", label=r) for r in present
    ]
    nonpert = ~diagram.grid("perturbative").astype(bool)
    if np.any(nonpert):
        ax.contourf(a, p, nonpert.astype(float), levels=[0.5, 1.5], colors="none", hatches=["////"])
        handles.append(
            Patch(facecolor="none", edgecolor="0.3", hatch="////", label=r"$\varepsilon^2>1$")
        )
    upper = diagram.grid("upper")
    levels = _decades(upper)
    if levels.size:
        cs = ax.contour(
            a,
            p,
            _log10(upper, levels),
            levels=np.log10(levels),
            colors="k",
            linewidths=0.9,
            linestyles="solid",
        )
        ax.clabel(cs, fmt=_decade_label, fontsize=6)
        handles.append(Line2D([], [], color="k", lw=0.9, label=r"theory $c_2 S_N+C_{\rm bias}$"))
    d = diagram.grid("D")
    if not np.all(np.isnan(d)) and levels.size:
        cd = ax.contour(
            a,
            p,
            _log10(d, levels),
            levels=np.log10(levels),
            colors=PALETTE[0],
            linewidths=1.1,
            linestyles="--",
        )
        ax.clabel(cd, fmt=_decade_label, fontsize=6)
        handles.append(
            Line2D([], [], color=PALETTE[0], lw=1.1, ls="--", label=r"oracle exact $D_N$")
        )
        over = (diagram.grid("ratio") > 1.0) & (regime == "summable") & ~nonpert
        if np.any(over):
            aa, pp = np.meshgrid(a, p)
            ax.plot(aa[over], pp[over], "x", ms=3.5, color=PALETTE[1], mew=0.9)
            handles.append(
                Line2D(
                    [],
                    [],
                    color=PALETTE[1],
                    marker="x",
                    ls="",
                    label=r"$D_N > c_2 S_N+C_{\rm bias}$",
                )
            )
    if diagram.kind == "horizon":
        aa = np.linspace(max(a[0], 0.5 / p[-1]), a[-1], 200)
        ax.plot(aa, 0.5 / aa, ":", color="k", lw=1.0)
        handles.append(Line2D([], [], color="k", ls=":", label=r"memory $1/(2\alpha)$"))
    if diagram.kind == "floor":
        ax.set_yscale("log")
    ax.set_xlabel(r"fresh-data fraction $\alpha$")
    ax.set_ylabel(_AXIS_LABEL[diagram.kind], fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_title(_title(diagram.kind, diagram.meta), fontsize=8)
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=6.5, frameon=False)
    return fig


def _decades(values: np.ndarray) -> np.ndarray:
    """Decade levels over the finite positive values: at most the top 8 decades and none below
    1e-10 (the oracle's closed-form ``D`` carries absolute round-off near 1e-15)."""
    v = values[np.isfinite(values) & (values > 0)]
    if v.size == 0:
        return np.zeros(0)
    hi = math.ceil(math.log10(v.max()))
    lo = max(math.floor(math.log10(v.min())), hi - 7, -10)
    return 10.0 ** np.arange(lo, hi + 1, dtype=float)


def _log10(values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """log10 of a field for contouring: zeros below the lowest level, inf above the highest."""
    lo, hi = math.log10(levels[0]) - 1.0, math.log10(levels[-1]) + 1.0
    with np.errstate(divide="ignore"):
        out = np.log10(np.where(np.isnan(values), np.nan, values))
    return np.clip(out, lo, hi)


def _decade_label(x: float) -> str:
    return f"$10^{{{round(x)}}}$"


def _title(kind: str, meta: dict[str, Any]) -> str:
    what = meta["schedule"] if kind == "horizon" else f"N = {meta['horizon']}"
    first = (
        f", $\\varepsilon_0^2$ = {meta['eps0_2']:g}" if kind in ("geometric", "power-law") else ""
    )
    return f"{kind}: {what}{first}, $c_2$ = {meta['c2']:g}, $C_{{\\rm bias}}$ = {meta['C_bias']:g}"
