"""The gap decomposition: how far the literal pipeline is from the exact closure, step by step.

For each alpha the same runs (common random numbers: run ``r`` uses the same streams in every
configuration) go along the chain

    exact closure -> + finite samples -> + standard init -> + discretisation (= the paper's)

where the exact closure is the oracle (population KDE, exact init, exact sampling: exact
numbers, no Monte Carlo error), ``+ finite samples`` the KDE of ``N`` points with exact init
and exact sampling, ``+ standard init`` the start from ``N(0, I)`` (still exact sampling), and
``+ discretisation`` Euler–Maruyama with ``n_steps`` steps. Each step's change of a statistic at
the last generation is reported with its Monte Carlo standard error over the runs (paired
differences).

Why this order and not ``... -> + finite samples`` last: the population KDE needs the exact
training law, which only exact init and exact sampling keep in closed form (the generated law
otherwise leaves the mixture family), so finite samples must come before the other two steps.
In this order the first step has an exact expectation: with exact init and sampling, finite
samples leave linear statistics (mean, second moment) unchanged in expectation
(:mod:`gaussian_oracle._protocol`), so the step's change of the second moment must be 0 within
its standard error, a check on the whole pipeline.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._errors import OracleDomainError
from ._files import atomic_write
from ._protocol import ProtocolRun, simulate_protocol

__all__ = ["CHAIN", "SCALES", "ProtocolGaps", "protocol_gaps"]

#: the chain of configurations: (name, learner, init, sampler); the first is the oracle
CHAIN = (
    ("exact closure", "population", "exact", "exact"),
    ("+ finite samples", "samples", "exact", "exact"),
    ("+ standard init", "samples", "standard", "exact"),
    ("+ discretisation", "samples", "standard", "em"),
)
#: the two scales of ``diffusion-collapse protocol --scale``: the paper's (GPU-sized) and a
#: small one that runs on two CPU cores in under 3 minutes (``benchmarks/bench_protocol.py``)
SCALES = {
    "small": {"n_samples": 2000, "n_steps": 100, "generations": 20, "runs": 3,
              "estimator_paths": 264},
    "paper": {"n_samples": 100_000, "n_steps": 500, "generations": 20, "runs": 10,
              "estimator_paths": 512},
}  # fmt: skip
#: statistics reported in the gap table: relative change of the second moment, W2 of the fit
GAP_STATS = ("second_moment", "w2_fit")


def _value(run: ProtocolRun, stat: str, g: int, oracle: bool) -> np.ndarray:
    """Per run: the statistic at generation ``g`` (relative to the data for the second
    moment); the oracle's exact value repeated when ``oracle``."""
    base = run.oracle["second_moment"][0] if stat == "second_moment" else None
    x = np.full(run.runs, run.oracle[stat][g]) if oracle else run.stats[stat][:, g]
    return x / base - 1.0 if base is not None else x


@dataclass(frozen=True, eq=False)
class ProtocolGaps:
    """The chain's runs per alpha and the gap table (module docstring).

    Attributes
    ----------
    alphas : tuple of float
    runs : dict of (float, str) to ProtocolRun
        ``runs[alpha, step]`` for every step of :data:`CHAIN` after the first (the exact closure
        is each run's ``oracle``).
    """

    alphas: tuple[float, ...]
    runs: dict[tuple[float, str], ProtocolRun]

    @property
    def generation(self) -> int:
        return int(next(iter(self.runs.values())).settings["generations"])

    def table(self, stat: str = "second_moment") -> list[dict[str, Any]]:
        """One row per alpha and step: the statistic at the last generation (mean and SE over
        runs), its change from the previous step (mean and SE of the paired differences)."""
        if stat not in GAP_STATS:
            raise OracleDomainError(f"stat={stat!r} must be one of {', '.join(GAP_STATS)}")
        g = self.generation
        rows = []
        for a in self.alphas:
            first = self.runs[a, CHAIN[1][0]]
            prev = _value(first, stat, g, oracle=True)
            for name, *_ in CHAIN:
                run = first if name == CHAIN[0][0] else self.runs[a, name]
                cur = _value(run, stat, g, oracle=name == CHAIN[0][0])
                diff = cur - prev
                k = len(cur)
                rows.append({
                    "alpha": a, "step": name, "stat": stat, "value": float(cur.mean()),
                    "se": float(cur.std(ddof=1) / math.sqrt(k)) if k > 1 else 0.0,
                    "change": float(diff.mean()),
                    "change_se": float(diff.std(ddof=1) / math.sqrt(k)) if k > 1 else 0.0,
                })  # fmt: skip
                prev = cur
        return rows

    def to_markdown(self) -> str:
        """The gap tables (second moment and W2 of the Gaussian fit) as Markdown."""
        g = self.generation
        out = []
        for stat, what in (
            ("second_moment", f"relative change of E|x|^2 at generation {g}"),
            ("w2_fit", f"W2 of the Gaussian fit to the data's at generation {g}"),
        ):
            out += [f"### {what}", "", "| alpha | step | value ± SE | change ± SE |"]
            out += ["|---|---|---|---|"]
            for r in self.table(stat):
                out.append(
                    f"| {r['alpha']:g} | {r['step']} | {r['value']:+.4f} ± {r['se']:.4f} "
                    f"| {r['change']:+.4f} ± {r['change_se']:.4f} |"
                )
            out.append("")
        return "\n".join(out)

    def save(self, folder: str | os.PathLike[str]) -> list[Path]:
        """``gaps.json`` (both tables and the settings) and one ``.npz`` per run into an
        existing ``folder``, each file written atomically."""
        folder = Path(folder)
        paths = []
        for (a, name), run in self.runs.items():
            paths.append(run.save(folder / _file(a, name)))
        doc = {
            "chain": [c[0] for c in CHAIN],
            "alphas": list(self.alphas),
            "settings": next(iter(self.runs.values())).settings,
            "tables": {s: self.table(s) for s in GAP_STATS},
        }
        text = json.dumps(doc, indent=1, sort_keys=True)
        paths.append(atomic_write(folder / "gaps.json", lambda f: f.write(text + "\n")))
        return paths

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> ProtocolGaps:
        """The gaps written by :meth:`save` into ``folder``."""
        folder = Path(folder)
        doc = json.loads((folder / "gaps.json").read_text(encoding="utf-8"))
        alphas = tuple(float(a) for a in doc["alphas"])
        runs = {
            (a, name): ProtocolRun.load(folder / _file(a, name))
            for a in alphas
            for name, *_ in CHAIN[1:]
        }
        return cls(alphas, runs)


def _file(alpha: float, step: str) -> str:
    return f"protocol-alpha{alpha:g}-{step.strip('+ ').replace(' ', '-')}.npz"


def protocol_gaps(
    data: Any,
    *,
    alphas: Any = (0.1, 0.5, 0.9),
    progress: Any = None,
    literal_estimators: bool = False,
    **settings: Any,
) -> ProtocolGaps:
    """Run the chain of :data:`CHAIN` for each alpha (module docstring).

    ``settings`` are those of :func:`simulate_protocol` (``n_samples``, ``n_steps``, ``runs``,
    ``rng``, ``backend``, ...; not ``alpha``, ``init``, ``sampler`` or ``learner``, which the
    chain sets). The same ``rng`` entropy is used at every step, so the steps are paired.
    ``progress``: a bar per run set (``None``: when stderr is a terminal; ``True`` / ``False``),
    or a callable ``(done, total, label)`` called after each alpha and step (the bars off).
    ``literal_estimators`` adds the paper's estimators to the literal runs (the last step).

    Examples
    --------
    >>> from gaussian_oracle import paper_data
    >>> gaps = protocol_gaps(paper_data(dim=2), alphas=(0.5,), n_samples=300, n_steps=10,
    ...                      generations=2, runs=2)
    >>> [r["step"] for r in gaps.table()]
    ['exact closure', '+ finite samples', '+ standard init', '+ discretisation']
    """
    for bad in ("alpha", "init", "sampler", "learner", "estimators"):
        if bad in settings:
            raise OracleDomainError(f"{bad}= is set by the chain; protocol_gaps does not take it")
    alphas = tuple(float(a) for a in np.atleast_1d(np.asarray(alphas, dtype=float)))
    if not alphas:
        raise OracleDomainError("alphas must hold at least one value")
    rng = settings.pop("rng", None)
    entropy = int((np.random.default_rng(0) if rng is None else rng).integers(0, 2**63 - 1))
    report = progress if callable(progress) else None
    bars = False if report is not None else progress
    runs: dict[tuple[float, str], ProtocolRun] = {}
    total = len(alphas) * (len(CHAIN) - 1)
    for a in alphas:
        for name, learner, init, sampler in CHAIN[1:]:
            runs[a, name] = simulate_protocol(
                data, alpha=a, init=init, sampler=sampler, learner=learner,
                rng=np.random.default_rng(entropy), progress=bars,
                estimators=literal_estimators and sampler == "em", **settings,
            )  # fmt: skip
            if report is not None:
                report(len(runs), total, f"alpha={a:g} {name}")
    return ProtocolGaps(alphas, runs)
