"""Figures of the literal protocol (:func:`gaussian_oracle.protocol_gaps`).

- :func:`gap_figure`: per alpha, the generation-N relative change of the second moment along the
  chain exact closure -> + finite samples -> + standard init -> + discretisation, with one
  standard error over runs on each bar and each step's change written above it.
- :func:`projection_figure`: the paper's Fig. 1 analogue, 2-D PCA projections (axes fitted on
  generation 0 of the first alpha) of run 0 of the literal pipeline, one row per alpha and one
  column per kept generation.
- :func:`contribution_figure`: the paper's Fig. 5 analogue, the per-generation contributions
  ``(1 - alpha)^{2 (N - 1 - i)} eps_star2_i`` of Thm 4.2's discounted sum for ``D_N`` (errors
  of generations ``0 .. N - 1``), from the paper's estimators on the literal runs (mean over
  runs, one standard error).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._output import PALETTE

__all__ = ["contribution_figure", "gap_figure", "projection_figure"]

#: points drawn per panel of the projection figure
MAX_POINTS = 2000


def _literal(gaps: Any, alpha: float) -> Any:
    from gaussian_oracle._protocol_gaps import CHAIN

    return gaps.runs[alpha, CHAIN[-1][0]]


def gap_figure(gaps: Any) -> Any:
    from matplotlib.figure import Figure

    alphas = gaps.alphas
    fig = Figure(figsize=(3.6 * len(alphas), 3.6), layout="constrained")
    axes = fig.subplots(1, len(alphas), squeeze=False)[0]
    for ax, a in zip(axes, alphas, strict=True):
        rows = [r for r in gaps.table("second_moment") if r["alpha"] == a]
        x = np.arange(len(rows))
        vals = [100 * r["value"] for r in rows]
        ax.bar(x, vals, yerr=[100 * r["se"] for r in rows], color=PALETTE[: len(rows)], capsize=3)
        for i, r in enumerate(rows[1:], start=1):
            ax.annotate(
                f"{100 * r['change']:+.1f}\n±{100 * r['change_se']:.1f}",
                (i, vals[i]),
                ha="center",
                va="bottom",
                fontsize=7,
                xytext=(0, 4),
                textcoords="offset points",
            )
        ax.set_xticks(x, [r["step"].replace("+ ", "+\n") for r in rows], fontsize=7)
        ax.set_title(f"alpha = {a:g}")
        ax.set_ylabel(f"E|x|^2 change at generation {gaps.generation} (%)")
        ax.margins(y=0.2)
    fig.suptitle("Literal pipeline vs the exact closure, step by step")
    return fig


def projection_figure(gaps: Any) -> Any:
    from matplotlib.figure import Figure

    alphas = gaps.alphas
    first = _literal(gaps, alphas[0])
    kept = sorted(first.samples)
    base = first.samples[kept[0]]
    centre = base.mean(axis=0)
    _, _, vt = np.linalg.svd(base - centre, full_matrices=False)
    axes_pc = vt[:2].T
    fig = Figure(figsize=(2.6 * len(kept), 2.6 * len(alphas)), layout="constrained")
    axes = fig.subplots(len(alphas), len(kept), squeeze=False, sharex=True, sharey=True)
    for row, a in zip(axes, alphas, strict=True):
        run = _literal(gaps, a)
        for ax, g in zip(row, kept, strict=True):
            pts = run.samples[g][:MAX_POINTS]
            z = (pts - centre) @ axes_pc
            ax.scatter(z[:, 0], z[:, 1], s=1.5, alpha=0.4, color=PALETTE[0], linewidths=0)
            ax.set_title(f"alpha = {a:g}, generation {g}", fontsize=8)
    fig.suptitle("Literal pipeline: PCA projections (axes of generation 0)")
    return fig


def contribution_figure(gaps: Any) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.8), layout="constrained")
    raw, eta_ax, ax = fig.subplots(1, 3)
    for k, a in enumerate(gaps.alphas):
        run = _literal(gaps, a)
        if not run.estimators:
            continue
        colour = PALETTE[k]
        eps = run.estimators["eps_star2"]  # (runs, N)
        n = eps.shape[1]
        gen = np.arange(n)
        weight = (1.0 - a) ** (2 * (n - 1 - gen))  # D_N ~ sum over generations 0 .. N - 1
        for axis, values in ((raw, eps), (eta_ax, run.estimators["eta"]), (ax, eps * weight)):
            mean, se = _over_runs(values)
            axis.errorbar(gen, mean, yerr=se, marker="o", ms=3, capsize=2, color=colour,
                          label=f"alpha = {a:g}")  # fmt: skip
        if "eps_star2" in run.oracle:
            raw.plot(gen, run.oracle["eps_star2"], ls="--", color=colour, lw=1)
    raw.set_title("eps_star2_i (paper's estimator; dashed: oracle's,\npopulation KDE)", fontsize=8)
    eta_ax.set_title("eta_i (paper's estimator: a lower bound)", fontsize=8)
    ax.set_yscale("log")
    ax.set_title("contributions (1 - alpha)^(2 (N - 1 - i)) eps_star2_i", fontsize=8)
    for axis in (raw, eta_ax, ax):
        axis.set_xlabel("generation i")
    ax.legend(fontsize=7)
    fig.suptitle("Per-generation errors of the literal runs (Fig. 5 analogue)", fontsize=10)
    return fig


def _over_runs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    se = x.std(axis=0, ddof=1) / np.sqrt(x.shape[0]) if x.shape[0] > 1 else 0 * mean
    return mean, se
