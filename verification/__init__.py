"""The theory of [KTV26] checked against the exact oracle.

Checks
------
CHECKS, Check, CheckResult, Constants, run_check -- one check per statement (THEORY.md §4, §7).
check, Outcome, COMPARATORS -- register a check; what it returns; the comparators that give
                       lhs / rhs / margin / tightness one meaning.
GenerationInstance, RecursionInstance, curated_instances -- what the checks run on (pure data).
FieldInstance, FieldEvaluation, field_instances -- one generation on the grid engine (any error
                       field, mixture data): instances beyond the Gaussian-affine case.
evaluate, GenerationEvaluation, RecursionEvaluation -- the oracle's answer, once per instance.
FAMILIES, Family, draw_distinct -- declared instance families (parameter boxes, draw(rng)).
instance_from_config, instance_to_config, load_instance -- one TOML/JSON schema for instances.
Task, TaskResult, run_task, run_tasks -- picklable tasks of the verify runner (executor=).
verify, Report, PROFILES, draw_instances -- the report (tables, JSON, figures).
phase_diagram, PhaseDiagram, KINDS -- regime phase diagrams, theory beside the oracle's exact D.
atlas, AtlasResult, ATLAS_CONSTANTS, ATLAS_FAMILIES, variance_family -- the constant atlas:
                       a search of a declared family for the instance requiring the largest
                       implicit constant (first step: C of Prop 3.3, c of Thm 3.4 on
                       generation families; variance_family has a closed-form answer);
                       a3_search, A3Result: the smallest eps_star2 with an infinite chi2.
gap_figure, projection_figure, contribution_figure -- figures of the literal protocol
                       (:func:`gaussian_oracle.protocol_gaps`): the gaps per alpha, the paper's
                       Fig. 1 (PCA projections) and Fig. 5 (per-generation errors) analogues.
verification.strategies -- Hypothesis strategies of valid instances (import on demand).
VerificationError, UnknownCheckError, InstanceKindError -- errors (``ValueError`` subclasses).

Command line: ``diffusion-collapse`` (``python -m verification``), see :mod:`verification.cli`.

References
----------
.. [KTV26] Khelifa, Turner, Venkataramanan. Quantifying Error Propagation and Model Collapse in
   Diffusion Models. ICML 2026, arXiv:2602.16601.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: public name -> private module that defines it (imported on first use, so that the command
#: line's ``--help`` and ``import verification`` stay fast)
_EXPORTS = {
    "CHECKS": "_checks",
    "Check": "_checks",
    "CheckResult": "_checks",
    "Constants": "_checks",
    "run_check": "_checks",
    "InstanceKindError": "_errors",
    "UnknownCheckError": "_errors",
    "VerificationError": "_errors",
    "GenerationInstance": "_instances",
    "FieldInstance": "_field_instances",
    "FieldEvaluation": "_field_instances",
    "field_instances": "_field_instances",
    "RecursionInstance": "_instances",
    "GenerationEvaluation": "_instances",
    "RecursionEvaluation": "_instances",
    "curated_instances": "_curated",
    "evaluate": "_instances",
    "instance_from_config": "_config",
    "instance_to_config": "_config",
    "load_instance": "_config",
    "FAMILIES": "_families",
    "Family": "_families",
    "draw_distinct": "_families",
    "COMPARATORS": "_comparators",
    "Outcome": "_checks",
    "check": "_checks",
    "Task": "_runner",
    "TaskResult": "_runner",
    "run_task": "_runner",
    "run_tasks": "_runner",
    "KINDS": "_phase",
    "PhaseDiagram": "_phase",
    "phase_diagram": "_phase",
    "PROFILES": "_verify",
    "Report": "_report",
    "draw_instances": "_verify",
    "verify": "_verify",
    "ATLAS_CONSTANTS": "_atlas",
    "ATLAS_FAMILIES": "_atlas",
    "A3Result": "_atlas_a3",
    "a3_search": "_atlas_a3",
    "variance_family": "_atlas",
    "AtlasResult": "_atlas",
    "atlas": "_atlas",
    "gap_figure": "_protocol_plot",
    "projection_figure": "_protocol_plot",
    "contribution_figure": "_protocol_plot",
}

__all__ = [
    "ATLAS_CONSTANTS",
    "ATLAS_FAMILIES",
    "CHECKS",
    "COMPARATORS",
    "FAMILIES",
    "KINDS",
    "PROFILES",
    "A3Result",
    "AtlasResult",
    "Check",
    "CheckResult",
    "Constants",
    "Family",
    "FieldEvaluation",
    "FieldInstance",
    "GenerationEvaluation",
    "GenerationInstance",
    "InstanceKindError",
    "Outcome",
    "PhaseDiagram",
    "RecursionEvaluation",
    "RecursionInstance",
    "Report",
    "Task",
    "TaskResult",
    "UnknownCheckError",
    "VerificationError",
    "a3_search",
    "atlas",
    "check",
    "contribution_figure",
    "curated_instances",
    "draw_distinct",
    "draw_instances",
    "evaluate",
    "field_instances",
    "gap_figure",
    "instance_from_config",
    "instance_to_config",
    "load_instance",
    "phase_diagram",
    "projection_figure",
    "run_check",
    "run_task",
    "run_tasks",
    "variance_family",
    "verify",
]

if TYPE_CHECKING:  # what a type checker and a reader see
    from ._atlas import ATLAS_CONSTANTS, ATLAS_FAMILIES, AtlasResult, atlas, variance_family
    from ._atlas_a3 import A3Result, a3_search
    from ._checks import CHECKS, Check, CheckResult, Constants, Outcome, check, run_check
    from ._comparators import COMPARATORS
    from ._config import instance_from_config, instance_to_config, load_instance
    from ._curated import curated_instances
    from ._errors import InstanceKindError, UnknownCheckError, VerificationError
    from ._families import FAMILIES, Family, draw_distinct
    from ._field_instances import FieldEvaluation, FieldInstance, field_instances
    from ._instances import (
        GenerationEvaluation,
        GenerationInstance,
        RecursionEvaluation,
        RecursionInstance,
        evaluate,
    )
    from ._phase import KINDS, PhaseDiagram, phase_diagram
    from ._protocol_plot import contribution_figure, gap_figure, projection_figure
    from ._report import Report
    from ._runner import Task, TaskResult, run_task, run_tasks
    from ._verify import PROFILES, draw_instances, verify


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'verification' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
