"""Learners: how the model of generation i+1 is obtained from its training law q_i.

Each learner maps the training law ``q_i`` (a Gaussian mixture) to the learned law ``q~``;
with ``Diffusion(init="exact")`` the next generation is exactly ``P_{t0} q~`` (THEORY.md §1, §6)
and the score error is ``grad log P_s q~ - grad log P_s q_i``.

Protocol (:class:`Learner`): ``learn(q, rng) -> GaussianMixture``; ``gaussian_output(g) ->
bool``, whether the learned law is Gaussian when the training law is (``g=True``) or is not;
``config() -> dict``, its parameters as plain values (``learner_from_config`` inverts it). A
new learner is a class with these three methods added to :data:`LEARNERS` with
:func:`register_learner` (``tests/contracts`` then checks Lemma F.1 on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from ._errors import OracleDomainError
from ._law_tools import as_mixture
from ._laws import Gaussian, GaussianMixture
from ._operations import convolve, push_forward
from ._validation import FloatArray, as_float_array, check_positive_int, check_rng, check_scalar

__all__ = [
    "LEARNERS",
    "AffinePushforward",
    "ExactScore",
    "FiniteSampleKDE",
    "FiniteSampleRefit",
    "Learner",
    "PopulationKDE",
    "learner_from_config",
    "register_learner",
]


@runtime_checkable
class Learner(Protocol):
    """What every learner provides (module docstring)."""

    def learn(self, q: Any, rng: np.random.Generator | None = None) -> GaussianMixture: ...

    def gaussian_output(self, gaussian_input: bool) -> bool: ...

    def config(self) -> dict[str, Any]: ...


def _config(learner: Any, *names: str) -> dict[str, Any]:
    out: dict[str, Any] = {"learner": type(learner).__name__}
    for n in names:
        v = getattr(learner, n)
        out[n] = v.tolist() if isinstance(v, np.ndarray) else v
    return out


@dataclass(frozen=True, slots=True)
class ExactScore:
    """Perfect score: ``q~ = q_i``; the only error is early stopping.

    Examples
    --------
    >>> ExactScore().learn(Gaussian(0.0, 1.0)).n_components
    1
    """

    #: the learned law is a deterministic function of q_i (no sampling)
    exact: ClassVar[bool] = True

    def learn(self, q: Any, rng: np.random.Generator | None = None) -> GaussianMixture:
        """The learned law (deterministic; ``rng`` is ignored)."""
        return as_mixture(q)

    def gaussian_output(self, gaussian_input: bool) -> bool:
        """The learned law is the training law: Gaussian exactly when it is."""
        return gaussian_input

    def config(self) -> dict[str, Any]:
        return _config(self)


@dataclass(frozen=True, slots=True)
class PopulationKDE:
    """Infinite-sample Gaussian KDE with bandwidth ``h``: ``q~ = q_i * N(0, h^2 I)``.

    Examples
    --------
    >>> float(PopulationKDE(0.5).learn(Gaussian(0.0, 1.0)).covs[0, 0, 0])
    1.25
    """

    h: float
    exact: ClassVar[bool] = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "h", check_scalar("h", self.h, low=0.0))

    def learn(self, q: Any, rng: np.random.Generator | None = None) -> GaussianMixture:
        return convolve(as_mixture(q), self.h)

    def gaussian_output(self, gaussian_input: bool) -> bool:
        """Smoothing keeps the number of components: Gaussian exactly when the input is."""
        return gaussian_input

    def config(self) -> dict[str, Any]:
        return _config(self, "h")


@dataclass(frozen=True, slots=True, init=False)
class AffinePushforward:
    """``q~ = (x -> A x + b) # q_i``: bias and scale errors of any size.

    Examples
    --------
    >>> AffinePushforward(1.1, 0.2).learn(Gaussian(0.0, 1.0)).means.tolist()
    [[0.2]]
    """

    A: FloatArray
    b: FloatArray
    exact: ClassVar[bool] = True

    def __init__(self, A: Any, b: Any = 0.0) -> None:
        object.__setattr__(self, "A", as_float_array("A", A))
        object.__setattr__(self, "b", as_float_array("b", b))

    def learn(self, q: Any, rng: np.random.Generator | None = None) -> GaussianMixture:
        return push_forward(as_mixture(q), self.A, self.b)

    def gaussian_output(self, gaussian_input: bool) -> bool:
        """An affine image keeps the number of components."""
        return gaussian_input

    def config(self) -> dict[str, Any]:
        return _config(self, "A", "b")


@dataclass(frozen=True, slots=True)
class FiniteSampleRefit:
    """Maximum-likelihood Gaussian fitted to ``n`` samples of ``q_i`` (a 1/n statistical error).

    The ML covariance divides by ``n`` (biased by ``(n - 1)/n``), as maximum likelihood does.

    Examples
    --------
    >>> law = FiniteSampleRefit(1000).learn(Gaussian(0.0, 1.0), np.random.default_rng(0))
    >>> bool(abs(law.means[0, 0]) < 0.1)
    True
    """

    n: int
    family: str = "gaussian"
    exact: ClassVar[bool] = False

    def __post_init__(self) -> None:
        check_positive_int("n", self.n, minimum=2)
        if self.family != "gaussian":
            raise OracleDomainError(f"family={self.family!r} must be 'gaussian'")

    def learn(self, q: Any, rng: np.random.Generator | None = None) -> GaussianMixture:
        law = as_mixture(q)
        if self.n <= law.dim:
            raise OracleDomainError(
                f"n={self.n} must exceed the dimension {law.dim} for a "
                "non-degenerate maximum-likelihood covariance"
            )
        return self.from_samples(law.sample(self.n, check_rng("rng", rng)))

    def from_samples(self, x: Any) -> GaussianMixture:
        """The fit to the draws ``x`` (shape ``(n, d)``) of the training law."""
        x = np.asarray(x, dtype=np.float64)
        mean = x.mean(axis=0)
        c = x - mean
        return as_mixture(Gaussian(mean, c.T @ c / x.shape[0]))

    def gaussian_output(self, gaussian_input: bool) -> bool:
        """A Gaussian fit: always Gaussian."""
        return True

    def config(self) -> dict[str, Any]:
        return _config(self, "n", "family")


@dataclass(frozen=True, slots=True)
class FiniteSampleKDE:
    """Gaussian KDE of ``n`` samples of ``q_i`` with bandwidth ``h > 0``: an ``n``-component
    mixture (the paper's learner, with its exact KDE score).

    Examples
    --------
    >>> FiniteSampleKDE(50, 0.3).learn(Gaussian(0.0, 1.0), np.random.default_rng(0)).n_components
    50
    """

    n: int
    h: float
    exact: ClassVar[bool] = False

    def __post_init__(self) -> None:
        check_positive_int("n", self.n, minimum=1)
        object.__setattr__(self, "h", check_scalar("h", self.h, low=0.0, low_open=True))

    def learn(self, q: Any, rng: np.random.Generator | None = None) -> GaussianMixture:
        return self.from_samples(as_mixture(q).sample(self.n, check_rng("rng", rng)))

    def from_samples(self, x: Any) -> GaussianMixture:
        """The KDE of the draws ``x`` (shape ``(n, d)``) of the training law."""
        x = np.asarray(x, dtype=np.float64)
        n, d = x.shape
        return GaussianMixture(np.full(n, 1.0 / n), x, (self.h * self.h) * np.eye(d))

    def gaussian_output(self, gaussian_input: bool) -> bool:
        """A KDE of samples is a mixture of ``n`` components."""
        return self.n == 1

    def config(self) -> dict[str, Any]:
        return _config(self, "n", "h")


#: every learner by name (its class name), for configurations and the command line
LEARNERS: dict[str, type] = {}


def register_learner(cls: type) -> type:
    """Add a learner class to :data:`LEARNERS` under its name; returns it (a decorator)."""
    missing = [
        m for m in ("learn", "gaussian_output", "config") if not callable(getattr(cls, m, None))
    ]
    if missing:
        raise OracleDomainError(f"cls={cls.__name__}: a learner needs {', '.join(missing)}")
    if cls.__name__ in LEARNERS and LEARNERS[cls.__name__] is not cls:
        raise OracleDomainError(f"a learner named {cls.__name__!r} is already registered")
    LEARNERS[cls.__name__] = cls
    return cls


for _cls in (ExactScore, PopulationKDE, AffinePushforward, FiniteSampleRefit, FiniteSampleKDE):
    register_learner(_cls)


def learner_from_config(config: Any) -> Any:
    """The learner a :meth:`config` dictionary describes.

    Examples
    --------
    >>> learner_from_config(PopulationKDE(0.2).config())
    PopulationKDE(h=0.2)
    """
    if not isinstance(config, dict) or config.get("learner") not in LEARNERS:
        raise OracleDomainError(
            f"config={config!r} must be a dict whose 'learner' is one of {', '.join(LEARNERS)}"
        )
    params = {k: v for k, v in config.items() if k != "learner"}
    try:
        return LEARNERS[config["learner"]](**params)
    except TypeError as exc:
        raise OracleDomainError(f"config={config!r}: {exc}") from None
