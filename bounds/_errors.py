"""Exceptions raised by :mod:`bounds`.

Invalid arguments raise a :class:`ValueError` subclass whose message names the parameter, its
value and the violated condition (``alpha=1.3 must lie in [0, 1]``). A statement evaluated
outside its hypotheses raises :class:`AssumptionError`, unless the caller asked for the
vacuous value with ``outside="vacuous"``.
"""

from __future__ import annotations

__all__ = ["AssumptionError", "BoundsValueError", "DomainError", "ShapeError"]


class BoundsValueError(ValueError):
    """Base class of every invalid-argument error raised by :mod:`bounds`."""


class DomainError(BoundsValueError):
    """A value lies outside its domain (alpha outside [0, 1], a negative energy, NaN, ...)."""


class ShapeError(BoundsValueError):
    """Arguments that must broadcast together, or be one-dimensional, do not."""


class AssumptionError(BoundsValueError):
    """A statement was applied outside its hypotheses (e.g. Prop. 3.3 with ``eps_star2 > 1``)."""
