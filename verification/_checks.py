"""One check per statement of THEORY.md §4, plus the exact identities of §7, run on the oracle.

Every check takes an instance's evaluation (:func:`verification._instances.evaluate`) and the
assumed constants, decides which hypotheses hold on it, and returns a :class:`CheckResult`:
the two sides, a signed relative margin (``>= 0`` means the statement holds), a tightness
ratio in ``[0, 1]`` (1 = the bound is attained), the smallest constants the instance requires,
and a status. ``lhs``, ``rhs``, ``margin`` and ``tightness`` mean the same in every check: the
comparator the check declares (:mod:`verification._comparators`: upper, lower, identity, rate,
growth) fixes them. Statuses:

``holds``
    hypotheses hold and the inequality or identity holds (within the stated tolerance);
``fails``
    hypotheses hold and the statement does not;
``vacuous``
    the bound says nothing here (for example ``eta = 0`` makes every lower bound ``<= 0``);
``outside``
    a hypothesis fails on this instance (named in ``hypotheses``), or it cannot be decided
    (eta known only as a lower bound where the bound needs it from above); the numbers are
    still reported.

Each check says which **reading** it uses (``Check.reading``): the per-generation statements
are proved against the ideal endpoint (``"ideal"``, the law the ideal reverse process ends
at); the paper's recursion compares with the training law ``q_i`` (``"training"``). On
recursions both are checked (:mod:`verification._steps`): the proved reading is expected to
hold, the other is ``expected="reported"`` (a finding, never a failure of the verifier).

A check is one function decorated with :func:`check`, which writes its id, reference,
statement, kind, expected behaviour, reading and comparator in one place and registers it in
:data:`CHECKS` (modules ``_checks_generation``, ``_steps``, ``_checks_recursion``,
``_checks_accumulated``, ``_checks_limit``, imported in that order: the order of the
registry).

Statements with constants the paper does not give (``C``, ``c``, ``c2``, ``C_bias``) are
checked with the values of :class:`Constants` and report the smallest constant the instance
needs (``required``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._comparators import COMPARATORS, lower_margin, ratio, upper_margin
from ._comparators import EXACT_RTOL as EXACT_RTOL
from ._comparators import N_SE as N_SE
from ._errors import InstanceKindError, UnknownCheckError, VerificationError, number
from ._instances import (
    GenerationEvaluation,
    GenerationInstance,
    Instance,
    RecursionEvaluation,
    RecursionInstance,
    evaluate,
)

__all__ = ["CHECKS", "Check", "CheckResult", "Constants", "Outcome", "check", "run_check"]

#: the modules that register checks, in the order of the registry
CHECK_MODULES = (
    "_checks_generation",
    "_steps",
    "_checks_recursion",
    "_checks_accumulated",
    "_checks_limit",
)
#: statuses a result can have
STATUSES = ("holds", "fails", "vacuous", "outside")
#: what a check is expected to do: hold; fail (the literal Thm 4.2 display); be reported
EXPECTED = ("holds", "fails", "reported")


@dataclass(frozen=True, slots=True)
class Constants:
    """Values assumed for the constants the paper leaves unspecified.

    ``C`` (Prop 3.3), ``c`` (Thm 3.4) and ``c2`` (Thm 4.2, additive upper) are not given by
    [KTV26]; the defaults are the natural orders (1 for the fourth-order remainders, 4 for
    ``c2``, the per-generation constant of Thm 3.4). Every result also reports the smallest
    value its instance requires, so the choice can be revisited.
    """

    C: float = 1.0
    c: float = 1.0
    c2: float = 4.0

    def __post_init__(self) -> None:
        for name in ("C", "c", "c2"):
            object.__setattr__(self, name, number(name, getattr(self, name), low=0.0))


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Outcome of one check on one instance (see the module docstring for ``status``)."""

    check: str
    instance: str
    status: str
    lhs: float
    rhs: float
    margin: float
    tightness: float
    hypotheses: tuple[str, ...] = ()
    required: dict[str, float] = field(default_factory=dict)
    note: str = ""
    measured: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The result as plain values (write it with :func:`verification._output.dumps`:
        infinities become "inf" / "-inf", a margin that does not apply (NaN) ``null``)."""
        return {
            "check": self.check,
            "instance": self.instance,
            "status": self.status,
            "lhs": float(self.lhs),
            "rhs": float(self.rhs),
            "margin": float(self.margin),
            "tightness": float(self.tightness),
            "hypotheses": list(self.hypotheses),
            "required": {k: float(v) for k, v in self.required.items()},
            "note": self.note,
            "measured": {k: float(v) for k, v in self.measured.items()},
        }


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a check's function returns: a :class:`CheckResult` without the check's id and
    the instance's label (the registry adds them)."""

    status: str
    lhs: float
    rhs: float
    margin: float
    tightness: float
    hypotheses: tuple[str, ...] = ()
    required: dict[str, float] = field(default_factory=dict)
    note: str = ""
    #: other numbers the check measured, by name (typed: never parse them from ``note``)
    measured: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckFunction:
    """``(evaluation, constants) -> CheckResult`` for a registered body (picklable)."""

    id: str
    body: Callable[[Any, Constants], Outcome]

    def __call__(self, ev: Any, k: Constants) -> CheckResult:
        o = self.body(ev, k)
        if o.status not in STATUSES:
            raise VerificationError(f"check {self.id!r} returned status={o.status!r}")
        return CheckResult(
            self.id,
            ev.label,
            o.status,
            o.lhs,
            o.rhs,
            o.margin,
            o.tightness,
            o.hypotheses,
            dict(o.required),
            o.note,
            dict(o.measured),
        )


@dataclass(frozen=True, slots=True)
class Check:
    """A statement, where it comes from, how it compares, and the function that checks it."""

    id: str
    reference: str
    statement: str
    kind: str  # "generation" or "recursion"
    expected: str  # "holds"; "fails" (literal Thm 4.2 display); "reported" (a finding)
    fn: Callable[[Any, Constants], CheckResult]
    reading: str = ""  # "ideal" (endpoint of the ideal process), "training" (q_i), or ""
    comparator: str = "upper"  # see verification._comparators


#: every check, by id: one generation (THEORY.md §4, §7), then recursions
CHECKS: dict[str, Check] = {}


def check(
    cid: str,
    *,
    reference: str,
    statement: str,
    kind: str,
    comparator: str,
    expected: str = "holds",
    reading: str = "",
) -> Callable[[Callable[[Any, Constants], Outcome]], Callable[[Any, Constants], Outcome]]:
    """Register the decorated ``(evaluation, constants) -> Outcome`` as the check ``cid``."""
    if kind not in ("generation", "recursion"):
        raise VerificationError(f"kind={kind!r} must be 'generation' or 'recursion'")
    if comparator not in COMPARATORS:
        raise VerificationError(
            f"comparator={comparator!r} must be one of {', '.join(COMPARATORS)}"
        )
    if expected not in EXPECTED:
        raise VerificationError(f"expected={expected!r} must be one of {', '.join(EXPECTED)}")

    def register(body: Callable[[Any, Constants], Outcome]) -> Callable[[Any, Constants], Outcome]:
        if cid in CHECKS:
            raise VerificationError(f"a check with id {cid!r} is already registered")
        CHECKS[cid] = Check(
            cid, reference, statement, kind, expected, CheckFunction(cid, body), reading, comparator
        )
        return body

    return register


def unregister(cid: str) -> None:
    """Remove the check ``cid`` (a test's toy check, for instance)."""
    if cid not in CHECKS:
        raise UnknownCheckError(f"check_id={cid!r} is not a check")
    del CHECKS[cid]


def upper(lhs: float, rhs: float, hyp: tuple[str, ...], **kw: Any) -> Outcome:
    """``lhs <= rhs`` (relative slack EXACT_RTOL); ``outside`` when a hypothesis fails."""
    ok = lhs <= rhs + EXACT_RTOL * max(abs(rhs), abs(lhs), 1e-300)
    status = "outside" if hyp else ("holds" if ok else "fails")
    return Outcome(status, lhs, rhs, upper_margin(lhs, rhs), ratio(lhs, rhs), hyp, **kw)


def lower(lhs: float, rhs: float, hyp: tuple[str, ...], **kw: Any) -> Outcome:
    """``lhs >= rhs``; a right side ``<= 0`` is vacuous."""
    ok = lhs >= rhs - EXACT_RTOL * max(abs(rhs), abs(lhs), 1e-300)
    if hyp:
        status = "outside"
    elif rhs <= 0.0:
        status = "vacuous"
    else:
        status = "holds" if ok else "fails"
    return Outcome(status, lhs, rhs, lower_margin(lhs, rhs), ratio(rhs, lhs), hyp, **kw)


def run_check(check_id: str, instance: Instance, constants: Constants | None = None) -> CheckResult:
    """Run the check ``check_id`` on ``instance`` (which must be of the check's kind), or on
    its :func:`evaluate` result (the oracle is called once per instance either way).

    Raises
    ------
    UnknownCheckError
        If ``check_id`` is not in :data:`CHECKS` (a ``ValueError``).
    InstanceKindError
        If the instance is of the other kind (one generation vs a recursion).

    Examples
    --------
    >>> from verification import curated_instances
    >>> inst = curated_instances()[0]                   # a mean shift, exact init
    >>> run_check("prop-3.1", inst).status
    'holds'
    """
    if not isinstance(check_id, str) or check_id not in CHECKS:
        known = ", ".join(CHECKS)
        raise UnknownCheckError(f"check_id={check_id!r} is not a check; known: {known}")
    check = CHECKS[check_id]
    from ._field_instances import FieldEvaluation, FieldInstance

    want: Any = (
        (GenerationInstance, FieldInstance) if check.kind == "generation" else (RecursionInstance,)
    )
    inst = (
        instance.instance
        if isinstance(instance, GenerationEvaluation | RecursionEvaluation | FieldEvaluation)
        else instance
    )
    if not isinstance(inst, want):
        raise InstanceKindError(
            f"instance={type(instance).__name__}: check {check_id!r} needs a "
            f"{' or '.join(w.__name__ for w in want)}"
        )
    if constants is not None and not isinstance(constants, Constants):
        raise VerificationError(f"constants={constants!r} must be a Constants")
    return check.fn(evaluate(instance), constants or Constants())


for _module in CHECK_MODULES:  # each module registers its checks on import
    importlib.import_module(f"{__package__}.{_module}")
