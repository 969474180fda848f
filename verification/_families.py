"""Instance families as declared parameter boxes, drawn with NumPy for the report.

A :class:`Family` names its parameters (:class:`Real`, :class:`Integer`, :class:`Choice`) and
builds an instance from one value of each. The report draws with :meth:`Family.draw` (a
:class:`numpy.random.Generator`: same seed, same instances in every environment), and
:mod:`verification.strategies` turns the same boxes into Hypothesis strategies for tests, so
the two can never drift apart. :func:`draw_distinct` never returns two identical instances.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gaussian_oracle import (
    AffinePushforward,
    Diffusion,
    ExactScore,
    Gaussian,
    PopulationKDE,
)

from ._errors import VerificationError, integer
from ._instances import PROFILES, GenerationInstance, Instance, RecursionInstance
from ._output import json_safe

__all__ = [
    "FAMILIES",
    "Choice",
    "Family",
    "Integer",
    "Real",
    "draw_distinct",
]


@dataclass(frozen=True, slots=True)
class Real:
    """A real parameter uniform on ``[low, high]`` (``log10``: its base-10 logarithm is)."""

    name: str
    low: float
    high: float
    log10: bool = False

    def draw(self, rng: np.random.Generator) -> float:
        x = float(rng.uniform(self.low, self.high))
        return 10.0**x if self.log10 else x

    def strategy(self) -> Any:
        from hypothesis import strategies as st

        s = st.floats(self.low, self.high, allow_subnormal=False)
        return s.map(lambda x: 10.0**x) if self.log10 else s


@dataclass(frozen=True, slots=True)
class Integer:
    """An integer parameter uniform on ``low..high``."""

    name: str
    low: int
    high: int

    def draw(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.low, self.high + 1))

    def strategy(self) -> Any:
        from hypothesis import strategies as st

        return st.integers(self.low, self.high)


@dataclass(frozen=True, slots=True)
class Choice:
    """One of a few options, equally likely."""

    name: str
    options: tuple[Any, ...]

    def draw(self, rng: np.random.Generator) -> Any:
        return self.options[int(rng.integers(len(self.options)))]

    def strategy(self) -> Any:
        from hypothesis import strategies as st

        return st.sampled_from(self.options)


Box = Real | Integer | Choice
SEED = Integer("seed", 0, 2**31 - 1)


@dataclass(frozen=True)
class Family:
    """A declared family: parameter boxes and how an instance is built from one point.

    ``build(params)`` receives ``{name: value}`` for every box and returns an instance.
    """

    name: str
    kind: str  # "generation" or "recursion"
    boxes: tuple[Box, ...]
    build: Callable[[dict[str, Any]], Instance]

    def draw(self, rng: np.random.Generator) -> Instance:
        """One instance, its parameters drawn from ``rng``."""
        return self.build({b.name: b.draw(rng) for b in self.boxes})

    def strategy(self) -> Any:
        """The same family as a Hypothesis strategy (for tests)."""
        from hypothesis import strategies as st

        return st.fixed_dictionaries({b.name: b.strategy() for b in self.boxes}).map(self.build)


def _orthonormal(seed: int, d: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return q * np.sign(np.diagonal(r))


def gaussian_from(
    d: int, log_cond: float, log_size: float, seed: int, mean: Any = None
) -> Gaussian:
    """Gaussian data in dimension ``d``: eigenvalues ``10**log_size`` spread over a condition
    number ``10**log_cond`` in a random orthonormal basis, mean entries in [-2, 2] (drawn from
    ``seed`` unless given)."""
    cond, size = 10.0**log_cond, 10.0**log_size
    spread = np.linspace(0.0, 1.0, d) if d > 1 else np.zeros(1)
    lam = size * cond ** (-spread)
    rng = np.random.default_rng(seed)
    basis = _orthonormal(int(rng.integers(2**31)), d)
    centre = rng.uniform(-2.0, 2.0, d) if mean is None else np.asarray(mean, dtype=float)
    return Gaussian(centre, (basis * lam) @ basis.T)


def affine_error_from(kind: str, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(W, xi)``: bias-only, linear-only, both, or a skew rotation (nearly unobservable on
    near-isotropic data)."""
    rng = np.random.default_rng(seed)
    w = np.zeros((d, d))
    xi = np.zeros(d)
    if kind in ("linear", "both"):
        w = 0.5 * rng.standard_normal((d, d)) / np.sqrt(d)
    if kind == "skew":
        a = rng.standard_normal((d, d))
        w = 0.5 * (a - a.T) / np.sqrt(d)
    if kind in ("bias", "both") or not np.any(w):
        xi = rng.standard_normal(d) / np.sqrt(d)
    return w, xi


ERROR_KINDS = ("bias", "linear", "both", "skew")


def generation_family(max_dim: int = 5) -> Family:
    """One generation of the linear-Gaussian oracle: dimension 1..``max_dim``, condition
    number up to 1e3, an affine error of each kind and time profile, error scale from 1e-3 to
    3 (small, perturbative and large errors), either init."""
    max_dim = integer("max_dim", max_dim, 1)

    def build(p: dict[str, Any]) -> Instance:
        data = gaussian_from(p["dim"], p["log_cond"], p["log_size"], p["data_seed"])
        w, xi = affine_error_from(p["error"], data.dim, p["error_seed"])
        return GenerationInstance(
            label=f"drawn-d{data.dim}",
            data=data,
            W=w,
            xi=xi,
            profile=p["profile"],
            diffusion=Diffusion(T=p["T"], t0=p["t0"], init=p["init"]),
            scale=p["scale"],
        )

    return Family(
        "generation",
        "generation",
        (
            Integer("dim", 1, max_dim),
            Real("log_cond", 0.0, 3.0),
            Real("log_size", -0.7, 0.5),
            Integer("data_seed", 0, 2**31 - 1),
            Choice("error", ERROR_KINDS),
            Integer("error_seed", 0, 2**31 - 1),
            Choice("profile", PROFILES),
            Real("scale", -3.0, 0.5, log10=True),
            Real("T", 1.0, 6.0),
            Real("t0", 0.005, 0.1),
            Choice("init", ("standard", "exact")),
        ),
        build,
    )


def recursion_family(generations: int = 8, eta_paths: int = 1000, eta_steps: int = 60) -> Family:
    """A recursion in dimension 1 (quadrature for every quantity): Gaussian data, exact init,
    a bias, a KDE bandwidth or the exact score, constant or geometrically decaying."""
    generations = integer("generations", generations, 1)

    def build(p: dict[str, Any]) -> Instance:
        data = gaussian_from(1, 0.0, p["log_size"], p["data_seed"])
        sd = float(np.sqrt(data.cov[0, 0]))
        decay, size, n = p["decay"], p["size"], generations
        learners: tuple[Any, ...]
        if p["learner"] == "bias":
            learners = tuple(AffinePushforward(1.0, size * sd * decay**i) for i in range(n))
        elif p["learner"] == "kde":  # bandwidth well below the data's sd: D_i finite a while
            learners = tuple(PopulationKDE(size * sd * decay**i) for i in range(n))
        else:
            learners = (ExactScore(),) * n
        return RecursionInstance(
            label=f"drawn-{p['learner']}",
            data=data,
            alpha=p["alpha"],
            learners=learners,
            diffusion=Diffusion(T=p["T"], t0=p["t0"], init="exact"),
            eta_paths=eta_paths,
            eta_steps=eta_steps,
            seed=p["seed"],
        )

    return Family(
        "recursion",
        "recursion",
        (
            Real("log_size", -0.7, 0.5),
            Integer("data_seed", 0, 2**31 - 1),
            Choice("learner", ("bias", "kde", "exact")),
            Choice("decay", (1.0, 0.6)),
            Real("size", 0.02, 0.2),
            Real("alpha", 0.05, 1.0),
            Real("T", 2.0, 5.0),
            Real("t0", 0.005, 0.05),
            SEED,
        ),
        build,
    )


#: the declared families, by name (factories: their sizes are arguments)
FAMILIES: dict[str, Callable[..., Family]] = {
    "generation": generation_family,
    "recursion": recursion_family,
}


def _key(inst: Instance) -> str:
    """What makes two instances the same: their description, as canonical JSON."""
    info = inst.describe()
    info.pop("label", None)
    if isinstance(inst, RecursionInstance):  # describe() summarises the learners
        info["learners"] = [repr(x) for x in inst.learners]
        info["seed"] = inst.seed
    return json.dumps(json_safe(info), sort_keys=True)


def draw_distinct(
    family: Family, n: int, rng: np.random.Generator, *, exclude: Sequence[Instance] = ()
) -> list[Instance]:
    """``n`` pairwise distinct instances of ``family`` (none equal to one in ``exclude``).

    Raises
    ------
    VerificationError
        If ``100 n`` draws do not give ``n`` distinct instances (a family too small).
    """
    n = integer("n", n, 0)
    seen = {_key(i) for i in exclude}
    out: list[Instance] = []
    for _ in range(100 * n):
        if len(out) == n:
            break
        inst = family.draw(rng)
        key = _key(inst)
        if key not in seen:
            seen.add(key)
            out.append(inst)
    if len(out) < n:
        raise VerificationError(
            f"n={n}: family {family.name!r} gave only {len(out)} distinct instances in "
            f"{100 * n} draws"
        )
    return out
