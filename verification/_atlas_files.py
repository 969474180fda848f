"""The atlas's files and figure: ``atlas.md``, ``atlas.json``, one oracle config per argmax
instance (``atlas-<statement>-<family>.toml``, which ``diffusion-collapse oracle`` runs), and
one figure per statement (``atlas-<statement>.png``: the requirement of every evaluated instance
against its ``eps_star2``, the frontier drawn as the running maximum over ``eps_star2``)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from ._output import PALETTE, Staging, check_output_folder, json_safe

__all__ = [
    "a3_dict",
    "atlas_figure",
    "atlas_markdown",
    "result_dict",
    "save_atlas",
    "write_configs",
]

#: the sections of an oracle config (a label or notes are not part of it)
_SECTIONS = ("data", "diffusion", "error", "recursion")


def result_dict(res: Any) -> dict[str, Any]:
    """One result as plain values (the trace and every evaluation included)."""
    return json_safe({
        "statement": res.statement, "constant": res.constant, "family": res.family,
        "budget": res.budget, "seed": res.seed, "best": res.best, "params": res.params,
        "config": res.config, "evaluations": res.evaluations, "outside": res.outside,
        "converged": res.converged(), "trace": res.trace.tolist(),
        "values": res.values.tolist(), "inside": res.inside.tolist(),
        "eps_star2": res.eps_star2.tolist(), "meta": res.meta,
    })  # fmt: skip


def a3_dict(a3: Any) -> dict[str, Any]:
    """The A3 search's result as plain values."""
    return json_safe({
        "family": a3.family, "eps_star2": a3.eps_star2, "inside": a3.inside,
        "params": a3.params, "config": a3.config, "evaluations": a3.evaluations,
        "trace": a3.trace.tolist(),
    })  # fmt: skip


def atlas_markdown(results: list[Any], a3: Any = None) -> str:
    """The table: per statement and family, the largest requirement and where it was found."""
    rows = [
        "| statement | constant | family | largest required | eps_star2 there | evaluations "
        "| outside | settled | chi2 / (eta eps_star2) | KL / (eps_hat2 / 2) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        k = int(np.argmax(np.where(r.inside, r.values, -np.inf))) if r.inside.any() else -1
        eps = float(r.eps_star2[k]) if k >= 0 else float("nan")
        sharp = r.meta.get("sharp", {})
        spans = [
            f"{v[0]:.3g} to {v[1]:.3g}" if (v := sharp.get(name)) else "-"
            for name in ("chi2 / (eta eps_star2)", "KL / (eps_hat2 / 2)")
        ]
        rows.append(
            f"| {r.statement} | {r.constant} | {r.family} | {r.best:.6g} | {eps:.3g} | "
            f"{r.evaluations} | {r.outside} | {'yes' if r.converged() else 'no'} | "
            f"{spans[0]} | {spans[1]} |"
        )
    notes = [
        "",
        "Largest required: the smallest constant that makes the statement hold on the worst "
        "instance found, inside the statement's hypotheses (0: every instance found holds with "
        "constant 0). Settled: the best value did not change over the last quarter of the "
        "evaluations. The sharp ratios (THEORY.md §7: as the error vanishes chi2 / (eta "
        "eps_star2) tends to 1 and KL / (eps_hat2 / 2) to eta; Prop 3.1 bounds the second by "
        "1): their smallest and largest values over the evaluated instances inside the "
        "hypotheses. Each argmax instance is written as an oracle config "
        "(`diffusion-collapse oracle atlas-<statement>-<family>.toml`).",
    ]
    if a3 is not None:
        where = (
            f"eps_star2 = {a3.eps_star2:.6g} ({'inside' if a3.inside else 'outside'} the "
            "perturbative regime eps_star2 <= 1)"
            if math.isfinite(a3.eps_star2)
            else "none found: chi2 stays finite over the family's error-scale box"
        )
        notes += [
            "",
            f"A3 search on {a3.family} ({a3.evaluations} oracle solves): the smallest "
            f"eps_star2 at which chi2 is infinite: {where}.",
        ]
    return "# Constant atlas\n\n" + "\n".join(rows + notes) + "\n"


def atlas_figure(results: list[Any]) -> Any:
    """Requirement against eps_star2 for every evaluated instance, one panel per result."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.8 * len(results), 3.8), layout="constrained")
    axes = fig.subplots(1, len(results), squeeze=False)[0]
    for ax, r in zip(axes, results, strict=True):
        keep = r.inside & (r.eps_star2 > 0)
        x, y = r.eps_star2[keep], np.maximum(r.values[keep], 0.0)
        ax.scatter(x, y, s=6, color=PALETTE[0], alpha=0.5, label="evaluated (inside)")
        if x.size:
            order = np.argsort(x)
            front = np.maximum.accumulate(y[order])  # largest requirement at eps_star2 <= x
            ax.step(x[order], front, where="post", color=PALETTE[1], label="frontier")
            if x.max() > 10 * x.min():
                ax.set_xscale("log")
        ax.set_xlabel("eps_star2")
        ax.set_ylabel(f"required {r.constant}")
        ax.set_title(f"{r.statement} on {r.family}: largest {r.best:.3g}", fontsize=9)
        ax.legend(fontsize=7)
    return fig


def save_atlas(results: list[Any], out_dir: str | os.PathLike[str], a3: Any = None) -> list[Path]:
    """Write ``atlas.md``, ``atlas.json``, the configs and the figures as one staged set
    (with ``a3``: its result in both, its instance as ``atlas-a3-<family>.toml``)."""
    out = Path(out_dir)
    check_output_folder(out, "out_dir")
    doc: dict[str, Any] = {"results": [result_dict(r) for r in results]}
    if a3 is not None:
        doc["a3"] = a3_dict(a3)
    by_statement: dict[str, list[Any]] = {}
    for r in results:
        by_statement.setdefault(r.statement, []).append(r)
    with Staging(out) as stage:
        stage.write("atlas.md", lambda f: f.write(atlas_markdown(results, a3)))
        stage.write("atlas.json", lambda f: f.write(json.dumps(doc, indent=1) + "\n"))
        write_configs(stage, results, a3)
        for statement, group in by_statement.items():
            fig = atlas_figure(group)
            stage.write_figure(f"atlas-{statement}.png", fig)
        return stage.commit()


def write_configs(stage: Any, results: list[Any], a3: Any = None) -> None:
    """The argmax instances as oracle configs (the sections ``diffusion-collapse oracle``
    reads), into a :class:`Staging` folder."""
    import tomli_w

    named = [(f"atlas-{r.statement}-{r.family}.toml", r.config) for r in results]
    if a3 is not None:
        named.append((f"atlas-a3-{a3.family}.toml", a3.config))
    for name, config in named:
        if config:
            text = tomli_w.dumps({k: v for k, v in config.items() if k in _SECTIONS})
            stage.write(name, _writer(text))


def _writer(text: str) -> Any:
    def write(handle: Any) -> None:
        handle.write(text)

    return write
