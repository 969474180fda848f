"""One value type for every number with an error: :class:`Estimate`, its method and kind.

Every oracle quantity that is not a plain closed-form float comes back as an :class:`Estimate`
that says what it is (``kind``): **exact** (closed form, tail rule, overflow), a consistent
**estimate** (one standard error ``abs_error`` and an estimated discretisation ``bias``), or a
**lower-bound** on the quantity it names. ``method`` says how it was obtained.
:class:`Method` and :class:`Kind` are string enumerations: they compare equal to, format as and
serialise to the strings of earlier versions (``"closed-form"``, ``"estimate"``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from ._errors import OracleDomainError

__all__ = ["EXACT_METHODS", "KINDS", "Estimate", "Kind", "Method"]


class _Str(StrEnum):
    """A string enumeration whose ``repr`` is that of its string (as in earlier versions)."""

    def __repr__(self) -> str:
        return repr(self.value)


class Method(_Str):
    """How a value was obtained."""

    #: exact to round-off (closed forms, exact moment ODEs)
    CLOSED_FORM = "closed-form"
    #: exactly infinite by the finiteness rule of :func:`chi2_tail_check`
    TAIL_RULE = "tail-rule"
    #: finite but beyond the float64 range: ``inf``, with ``log(1 + value)`` in ``reason``
    OVERFLOW = "overflow"
    #: adaptive cubature; ``abs_error`` is its error estimate
    QUADRATURE = "quadrature"
    #: importance sampling; ``abs_error`` is one standard error
    IMPORTANCE_SAMPLING = "importance-sampling"
    #: plain Monte Carlo (sampling, SDE paths); ``abs_error`` is one standard error
    MONTE_CARLO = "monte-carlo"
    #: eta by regression on Monte Carlo paths; ``abs_error`` is one standard error
    REGRESSION = "regression"
    #: Fokker–Planck and tangent equations on a grid (THEORY.md §6b); ``abs_error`` is the
    #: difference from a finer solve (an over-estimate of the error of the value returned)
    GRID = "grid"


class Kind(_Str):
    """What a value is."""

    EXACT = "exact"
    ESTIMATE = "estimate"
    #: the value (up to its errors) is at most the quantity it names
    LOWER_BOUND = "lower-bound"


#: methods whose values carry no estimation error
EXACT_METHODS = (Method.CLOSED_FORM, Method.TAIL_RULE, Method.OVERFLOW)
#: what a value is: exact, a consistent estimate (``abs_error``, ``bias``), or a lower bound
KINDS = tuple(Kind)


def _member(enum: type[_Str], name: str, value: Any) -> Any:
    try:
        return enum(value)
    except ValueError:
        known = ", ".join(repr(m.value) for m in enum)
        raise OracleDomainError(f"{name}={value!r} must be one of {known}") from None


@dataclass(frozen=True, slots=True)
class Estimate:
    """A value (a divergence, an energy, eta, a moment) and how much to trust it.

    Attributes
    ----------
    value : float or ndarray
        The quantity; ``inf`` when infinite or beyond the float64 range (never NaN). Arrays for
        Monte Carlo moments (endpoint means and covariances).
    abs_error : float or ndarray
        0 for exact values; the cubature error estimate for ``"quadrature"``; one standard error
        for ``"importance-sampling"``, ``"monte-carlo"`` and ``"regression"``.
    method : Method
        How it was obtained (a :class:`Method`, or its string).
    reason : str
        Why the value is infinite (empty otherwise), or how an estimate was made.
    n_samples : int
        Number of Monte Carlo samples or paths (0 for deterministic methods).
    bias : float or ndarray
        Estimated systematic error (time discretisation: value minus its limit), 0 if none.
    kind : Kind
        Derived from ``method`` when not given: "exact" for the methods in
        :data:`EXACT_METHODS`, "estimate" otherwise. "lower-bound": ``value`` (up to its
        errors) is at most the quantity it names.
    log_value : float or None
        For an ``"overflow"`` value (finite, stored as ``inf``): the natural logarithm of the
        quantity (for chi2, ``log(1 + chi2)``, the same number at that size); ``inf`` when the
        logarithm overflows too. None otherwise.

    Examples
    --------
    >>> e = Estimate(0.25, 0.01, "monte-carlo", n_samples=1000, bias=-0.002)
    >>> e.kind, e.exact, e.error
    ('estimate', False, 0.012)
    >>> Estimate(1.5).exact          # a closed form by default
    True
    """

    value: Any
    abs_error: Any = 0.0
    method: Method = Method.CLOSED_FORM
    reason: str = ""
    n_samples: int = 0
    bias: Any = 0.0
    kind: Kind = Kind.EXACT  # replaced by the kind the method implies unless given
    log_value: float | None = None

    def __init__(
        self,
        value: Any,
        abs_error: Any = 0.0,
        method: Method | str = Method.CLOSED_FORM,
        reason: str = "",
        n_samples: int = 0,
        bias: Any = 0.0,
        kind: Kind | str = "",
        *,
        log_value: float | None = None,
    ) -> None:
        m = _member(Method, "method", method)
        k = (
            _member(Kind, "kind", kind)
            if kind
            else (Kind.EXACT if m in EXACT_METHODS else Kind.ESTIMATE)
        )
        for name, v in (
            ("value", value),
            ("abs_error", abs_error),
            ("method", m),
            ("reason", reason),
            ("n_samples", n_samples),
            ("bias", bias),
            ("kind", k),
            ("log_value", None if log_value is None else float(log_value)),
        ):
            object.__setattr__(self, name, v)

    @property
    def exact(self) -> bool:
        """True for closed forms, tail-rule infinities and overflows (no estimation error)."""
        return self.kind == Kind.EXACT

    @property
    def finite(self) -> bool:
        """True when the value is finite and within the float64 range (every entry)."""
        return bool(np.all(np.isfinite(self.value)))

    @property
    def overflow(self) -> bool:
        """True when the value is finite but beyond the float64 range (stored as ``inf``)."""
        return self.method == Method.OVERFLOW

    @property
    def error(self) -> Any:
        """``abs_error + |bias|``: what a decision (a hypothesis, a comparison) should allow."""
        total = np.abs(self.abs_error) + np.abs(self.bias)
        return float(total) if np.ndim(total) == 0 else total

    @property
    def se(self) -> Any:
        """One standard error (``abs_error``; the name of the Monte Carlo results)."""
        return self.abs_error

    @property
    def note(self) -> str:
        """How the value was obtained (``reason``; the name of the Monte Carlo results)."""
        return self.reason

    def __float__(self) -> float:
        return float(self.value)
