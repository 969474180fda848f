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

from ._checks import CHECKS, Check, CheckResult, Constants, run_check
from ._errors import InstanceKindError, UnknownCheckError, VerificationError
from ._instances import GenerationInstance, RecursionInstance, curated_instances
from ._phase import KINDS, PhaseDiagram, phase_diagram
from ._report import PROFILES, Report, draw_instances, verify

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
