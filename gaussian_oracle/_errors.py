"""Exceptions raised by :mod:`gaussian_oracle`.

Every validation error is a :class:`ValueError` subclass whose message names the parameter,
its offending value and the condition it violates, e.g. ``alpha=1.3 must lie in [0, 1]``.

The names carry the package (``OracleDomainError``, not ``DomainError``) so that no two classes
of the distribution share a name: :mod:`bounds` has its own ``DomainError`` and ``ShapeError``,
and the two packages do not import each other. Catch ``ValueError`` to catch every validation
error of every package. The old names ``gaussian_oracle.DomainError`` and ``ShapeError`` still
resolve (with a ``DeprecationWarning``).
"""

from __future__ import annotations

__all__ = [
    "FinitenessUndecidedError",
    "NotPositiveDefiniteError",
    "OracleDomainError",
    "OracleShapeError",
    "OracleValueError",
]


class OracleValueError(ValueError):
    """Base class of every invalid-argument error raised by :mod:`gaussian_oracle`."""


class OracleDomainError(OracleValueError):
    """A value lies outside its domain (negative variance, alpha outside [0, 1], NaN, ...)."""


class OracleShapeError(OracleValueError):
    """An array has the wrong shape, or two laws have different dimensions."""


class NotPositiveDefiniteError(OracleDomainError):
    """A covariance matrix is not symmetric positive definite (to the stated round-off)."""


class FinitenessUndecidedError(ArithmeticError):
    """Whether a chi-square divergence is finite could not be decided.

    Raised only for a first law tested against a mixture of three or more components in
    dimension three or more whose precision matrices do not commute, when neither a certificate
    of finiteness nor a direction of heavier tails was found. Returning a Monte Carlo estimate
    then could report a finite number for an infinite divergence, so none is returned.
    """
