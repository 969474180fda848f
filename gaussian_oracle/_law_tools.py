"""Helpers on laws: views as mixtures, validation, components, translation (private)."""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from ._errors import OracleDomainError
from ._factors import _Factors, _readonly
from ._laws import Gaussian, GaussianMixture, Law, _assemble
from ._validation import FloatArray, check_positive_int

__all__ = ["as_mixture", "centred", "check_law", "components", "single_gaussian"]

LawT = TypeVar("LawT", bound=Gaussian | GaussianMixture)


def centred(law: Law, centre: FloatArray) -> GaussianMixture:
    """``law`` translated by ``-centre`` as a mixture, reusing its factors (private).

    Divergences are invariant under translation; the numerical routes work near the origin so
    that quadrature boxes keep their resolution for laws far out (means ~1e150).
    """
    w, m, c, f = components(law)
    ages = law.ages if isinstance(law, GaussianMixture) else np.zeros(1, dtype=np.int64)
    return _assemble(w, _readonly(m - centre), c, ages, f)


def _concatenate_factors(parts: list[_Factors]) -> _Factors:
    return _Factors(
        *(
            _readonly(np.concatenate([getattr(f, name) for f in parts]))
            for name in ("chol", "chol_inv", "logdet")
        )
    )


def as_mixture(law: Law, *, age: int = 0) -> GaussianMixture:
    """View a law as a :class:`GaussianMixture` (a Gaussian becomes one component of ``age``).

    Examples
    --------
    >>> as_mixture(Gaussian(0.0, 1.0)).n_components
    1
    """
    if isinstance(law, GaussianMixture):
        return law
    if isinstance(law, Gaussian):
        age = check_positive_int("age", age, minimum=0)
        return GaussianMixture(np.ones(1), law.mean[None], law.cov[None], np.array([age]))
    raise OracleDomainError(f"law={law!r} must be a Gaussian or a GaussianMixture")


def single_gaussian(law: Law) -> Gaussian | None:
    """The law as a Gaussian if it has exactly one component of positive weight, else None."""
    if isinstance(law, Gaussian):
        return law
    live = np.flatnonzero(law.weights > 0)
    return law.component(int(live[0])) if len(live) == 1 else None


def check_law(name: str, law: LawT) -> LawT:
    """Accept a :class:`Gaussian` or :class:`GaussianMixture`, else raise naming ``name``."""
    if not isinstance(law, Gaussian | GaussianMixture):
        raise OracleDomainError(f"{name}={law!r} must be a Gaussian or a GaussianMixture")
    return law


def components(law: Law) -> tuple[FloatArray, FloatArray, FloatArray, _Factors]:
    """``(weights, means, covs, factors)`` of a law seen as a mixture (private helper)."""
    if isinstance(law, Gaussian):
        return np.ones(1), law.mean[None], law.cov[None], law._factors
    return law.weights, law.means, law.covs, law._factors
