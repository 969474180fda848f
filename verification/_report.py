"""The verification report as data: every check result, the instances, summaries, JSON.

:func:`verification._verify.verify` builds a :class:`Report`; :mod:`verification._render`
presents it (``report.md``, ``tightness.png``, ``accumulation.png``), and :meth:`Report.write`
writes the set, each file staged and moved into place, so an interrupted run never leaves a
partial file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._checks import CHECKS, CheckResult, Constants
from ._limit_study import AnnealingStudy
from ._phase import PhaseDiagram
from ._readings import readings

__all__ = ["Report"]


@dataclass(frozen=True)
class Report:
    """Results of :func:`verify`.

    Attributes
    ----------
    profile : str
    seed : int
    constants : Constants
    results : tuple of CheckResult
    instances : dict
        Description of every instance, by label (JSON-safe).
    elapsed : float
        Seconds spent computing.
    trajectories : dict
        ``label -> (D_i, c2 S_N + C_bias, floor)`` arrays for the accumulation figure.
    phase : PhaseDiagram or None
        The default regime phase diagram (geometric schedules) with the oracle's ``D_N``.
    annealing : AnnealingStudy or None
        The Fisher-information study of annealed truncation (THEORY.md §8; an observation).
    atlas : tuple or None
        The thorough profile's small constant atlas: the :class:`AtlasResult` of each
        statement, then the :class:`A3Result` (None in the quick profile).
    """

    profile: str
    seed: int
    constants: Constants
    results: tuple[CheckResult, ...]
    instances: dict[str, dict[str, Any]]
    elapsed: float
    trajectories: dict[str, dict[str, list[float]]]
    phase: PhaseDiagram | None = None
    annealing: AnnealingStudy | None = None
    atlas: tuple[Any, ...] | None = None

    def summary(self) -> list[dict[str, Any]]:
        """One row per check: counts by status, worst margin, best tightness, and whether the
        statement behaves as documented."""
        rows = []
        for cid, check in CHECKS.items():
            res = [r for r in self.results if r.check == cid]
            counts = {
                s: sum(r.status == s for r in res) for s in ("holds", "fails", "vacuous", "outside")
            }
            decided = [r for r in res if r.status in ("holds", "fails")]
            worst = min((r.margin for r in decided), default=float("nan"))
            tight = max((r.tightness for r in decided), default=float("nan"))
            if check.expected == "holds":
                behaves = counts["fails"] == 0
            elif check.expected == "fails":  # the literal display must fail where it applies
                behaves = counts["fails"] > 0 and counts["holds"] == 0
            else:  # "reported": a reading the paper uses but does not prove; a finding
                behaves = True
            rows.append(
                {
                    "check": cid,
                    "reference": check.reference,
                    "statement": check.statement,
                    "expected": check.expected,
                    "reading": check.reading,
                    "comparator": check.comparator,
                    "instances": len(res),
                    **counts,
                    "worst_margin": worst,
                    "max_tightness": tight,
                    "behaves_as_documented": behaves,
                }
            )
        return rows

    @property
    def ok(self) -> bool:
        """True when every statement behaves as documented (the literal Thm 4.2 display
        failing included)."""
        return all(row["behaves_as_documented"] for row in self.summary())

    def unexpected(self) -> list[CheckResult]:
        """Results that contradict the documented behaviour."""
        return [
            r
            for r in self.results
            if (CHECKS[r.check].expected == "holds" and r.status == "fails")
            or (CHECKS[r.check].expected == "fails" and r.status == "holds")
        ]

    def readings(self) -> list[dict[str, Any]]:
        """Per statement checked under both readings on the recursions: runs that hold and
        fail, and the largest factor by which a failing one fails (:mod:`._readings`)."""
        return readings(self.results)

    def table(self) -> str:
        """The summary as fixed-width text (what the command prints)."""
        head = (
            f"{'statement':<21} {'reference':<30} {'n':>4} {'holds':>5} {'fails':>5} "
            f"{'vac.':>4} {'out.':>4} {'worst margin':>12} {'tight':>6}  as documented"
        )
        lines = [head, "-" * len(head)]
        for row in self.summary():
            lines.append(
                f"{row['check']:<21} {row['reference'][:30]:<30} {row['instances']:>4} "
                f"{row['holds']:>5} {row['fails']:>5} {row['vacuous']:>4} {row['outside']:>4} "
                f"{row['worst_margin']:>12.3g} {row['max_tightness']:>6.3f}  "
                f"{'yes' if row['behaves_as_documented'] else 'NO'}"
                + (" (expected to fail)" if row["expected"] == "fails" else "")
                + (" (reported: a finding)" if row["expected"] == "reported" else "")
            )
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The report as plain values (written with :func:`verification._output.dumps`)."""
        return {
            "format": "diffusion-collapse/report/1",
            "profile": self.profile,
            "seed": self.seed,
            "constants": {"C": self.constants.C, "c": self.constants.c, "c2": self.constants.c2},
            "ok": self.ok,
            "elapsed_s": round(self.elapsed, 3),
            "summary": self.summary(),
            "readings": self.readings(),
            "results": [r.as_dict() for r in self.results],
            "instances": self.instances,
            "phase": None if self.phase is None else self.phase.summary(),
            "annealing": None if self.annealing is None else self.annealing.to_json(),
            "atlas": None if self.atlas is None else _atlas_json(self.atlas),
        }

    def to_markdown(self) -> str:
        """The report as markdown (:func:`verification._render.markdown`)."""
        from ._render import markdown

        return markdown(self)

    def write(self, out_dir: str | os.PathLike[str]) -> list[Path]:
        """Write ``report.md``, ``report.json`` and the figures into ``out_dir`` (created if
        needed) as one set: staged, then moved into place, so an interruption never leaves a
        partial report or figures of an earlier run beside a new one. Returns the paths."""
        from ._render import write

        return write(self, out_dir)

    def tightness_figure(self) -> Any:
        """Tightness of the per-generation bounds against eps_star2 (a matplotlib Figure)."""
        from ._render import tightness_figure

        return tightness_figure(self)

    def accumulation_figure(self) -> Any:
        """D_i of each curated recursion against the additive Thm 4.2 bound and the floor."""
        from ._render import accumulation_figure

        return accumulation_figure(self)


def _atlas_json(atlas: tuple[Any, ...]) -> dict[str, Any]:
    from ._atlas_files import a3_dict, result_dict

    *results, a3 = atlas
    return {"results": [result_dict(r) for r in results], "a3": a3_dict(a3)}
