"""The theory of [KTV26] checked against the exact oracle.

Checks
------
CHECKS, Check, CheckResult, Constants, run_check -- one check per statement (THEORY.md §4, §7).
GenerationInstance, RecursionInstance, curated_instances -- what the checks run on.
verify, Report, PROFILES, draw_instances -- the report (tables, JSON, figures).
phase_diagram, PhaseDiagram, KINDS -- regime phase diagrams, theory beside the oracle's exact D.
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
    "RecursionInstance": "_instances",
    "curated_instances": "_instances",
    "KINDS": "_phase",
    "PhaseDiagram": "_phase",
    "phase_diagram": "_phase",
    "PROFILES": "_report",
    "Report": "_report",
    "draw_instances": "_report",
    "verify": "_report",
}

__all__ = [
    "CHECKS",
    "KINDS",
    "PROFILES",
    "Check",
    "CheckResult",
    "Constants",
    "GenerationInstance",
    "InstanceKindError",
    "PhaseDiagram",
    "RecursionInstance",
    "Report",
    "UnknownCheckError",
    "VerificationError",
    "curated_instances",
    "draw_instances",
    "phase_diagram",
    "run_check",
    "verify",
]

if TYPE_CHECKING:  # what a type checker and a reader see
    from ._checks import CHECKS, Check, CheckResult, Constants, run_check
    from ._errors import InstanceKindError, UnknownCheckError, VerificationError
    from ._instances import GenerationInstance, RecursionInstance, curated_instances
    from ._phase import KINDS, PhaseDiagram, phase_diagram
    from ._report import PROFILES, Report, draw_instances, verify


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'verification' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
