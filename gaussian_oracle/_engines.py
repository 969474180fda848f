"""One-generation engines behind one protocol, and :func:`solve_generation` that picks one.

An engine declares what it supports and how exact it is; ``solve_generation(engine="auto")``
takes the most exact engine that supports the instance (registration order: the zero-error
engine, the linear engine, the law map, the grid (d = 1, 2), Monte Carlo) and says which it
used and why the others were passed over. A new engine is one module that calls
:func:`register_engine` (see ``tests/contracts``: every registered engine is tested against
the linear one on the Gaussian-affine instances it supports).

Protocol (:class:`Engine`)
--------------------------
``name``
    Registry key.
``exact``
    True when every quantity it returns is exact (closed form or exact ODE).
``weak_order``
    None for an exact engine; otherwise its weak order in the time step (Euler–Maruyama: 1).
``supports(data, error, diffusion, *, scale=1.0) -> str | None``
    None when it can solve the instance, else the reason it cannot (a sentence).
``solve(data, error, diffusion, *, scale, compute, streams, settings) -> GenerationSolution``
    Solve it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ._diffusion import Diffusion
from ._errors import OracleDomainError
from ._law_tools import check_law
from ._progress import check_progress
from ._score_errors import check_error
from ._solution import COMPUTE, GenerationSolution
from ._validation import check_positive_int, check_rng, check_scalar

__all__ = [
    "ENGINES",
    "Engine",
    "Settings",
    "Streams",
    "register_engine",
    "solve_generation",
    "supporting_engines",
    "unregister_engine",
]


@dataclass(frozen=True, slots=True)
class Streams:
    """The random streams of one generation: the energy estimate and the eta paths.

    Each estimate draws from its own generator, so the settings of one never change the other.
    """

    energy: np.random.Generator
    eta: np.random.Generator

    @classmethod
    def of(cls, rng: Any) -> Streams:
        """Streams from a :class:`Streams`, a Generator (two children spawned from it) or None
        (a fixed seed)."""
        if isinstance(rng, Streams):
            return rng
        gen = np.random.default_rng(0) if rng is None else check_rng("rng", rng)
        energy, eta = gen.spawn(2)
        return cls(energy, eta)


@dataclass(frozen=True, slots=True)
class Settings:
    """Sizes of the numerical routes (exact engines ignore them).

    ``n_samples``: Monte Carlo samples of an energy estimate; ``eta_paths`` / ``eta_steps``:
    paths and Euler–Maruyama steps of the Monte Carlo engine and of the eta regression;
    ``progress``: whether a long engine shows a bar (``None``: when stderr is a terminal;
    callers that loop over generations keep the default, ``False``).
    """

    n_samples: int = 200_000
    eta_paths: int = 4000
    eta_steps: int = 200
    extra: dict[str, Any] = field(default_factory=dict)
    progress: bool | None = False

    def __post_init__(self) -> None:
        check_positive_int("n_samples", self.n_samples, minimum=2)
        check_positive_int("eta_paths", self.eta_paths, minimum=2)
        check_positive_int("eta_steps", self.eta_steps, minimum=4)


@runtime_checkable
class Engine(Protocol):
    """What every one-generation engine provides (module docstring)."""

    name: str
    exact: bool
    weak_order: float | None

    def supports(
        self, data: Any, error: Any, diffusion: Diffusion, *, scale: float = 1.0
    ) -> str | None: ...

    def solve(
        self,
        data: Any,
        error: Any,
        diffusion: Diffusion,
        *,
        scale: float,
        compute: frozenset[str],
        streams: Streams,
        settings: Settings,
    ) -> GenerationSolution: ...


#: every registered engine by name, most exact first (the order "auto" tries them in)
ENGINES: dict[str, Engine] = {}


def register_engine(engine: Engine, *, before: str | None = None) -> Engine:
    """Add ``engine`` to :data:`ENGINES`, last or just before the engine named ``before`` (so
    that "auto" prefers it to that one); returns it.

    Examples
    --------
    >>> list(ENGINES)
    ['zero-error', 'linear', 'law-map', 'grid', 'monte-carlo']
    """
    if not isinstance(engine, Engine):
        raise OracleDomainError(f"engine={engine!r} does not implement the Engine protocol")
    if engine.name in ENGINES or engine.name == "auto":
        raise OracleDomainError(f"an engine named {engine.name!r} is already registered")
    if before is not None and before not in ENGINES:
        raise OracleDomainError(f"before={before!r} must be one of {', '.join(ENGINES)}")
    items = list(ENGINES.items())
    at = len(items) if before is None else list(ENGINES).index(before)
    items.insert(at, (engine.name, engine))
    ENGINES.clear()
    ENGINES.update(items)
    return engine


def unregister_engine(name: str) -> None:
    """Remove the engine ``name`` (a test's toy engine, for instance)."""
    if name not in ENGINES:
        raise OracleDomainError(f"name={name!r} is not a registered engine")
    del ENGINES[name]


def _compute(compute: Any) -> frozenset[str]:
    if compute is None:
        return frozenset(COMPUTE)
    if isinstance(compute, str) or not isinstance(compute, Iterable):
        raise OracleDomainError(f"compute={compute!r} must be a collection of {', '.join(COMPUTE)}")
    items = frozenset(compute)
    bad = sorted(str(x) for x in items - set(COMPUTE))
    if bad:
        raise OracleDomainError(f"compute={compute!r}: {', '.join(bad)} not among {COMPUTE}")
    return items


def supporting_engines(
    data: Any, error: Any, diffusion: Diffusion, *, scale: float = 1.0
) -> dict[str, str | None]:
    """``name -> None`` (supported) or the reason why not, for every registered engine."""
    return {n: e.supports(data, error, diffusion, scale=scale) for n, e in ENGINES.items()}


def solve_generation(
    data: Any,
    error: Any,
    diffusion: Diffusion,
    *,
    engine: str = "auto",
    scale: float = 1.0,
    compute: Iterable[str] | None = None,
    rng: np.random.Generator | Streams | None = None,
    n_samples: int = 200_000,
    eta_paths: int = 4000,
    eta_steps: int = 200,
    progress: bool | None = None,
) -> GenerationSolution:
    """Solve one generation with ``engine`` (``"auto"``: the most exact that supports it).

    Parameters
    ----------
    data : Gaussian or GaussianMixture
        The training law ``q``.
    error : AffineError, ScoreDifference or callable ``(y, s) -> (n, d)``
        The score error (learned minus true score), multiplied by ``scale``.
    diffusion : Diffusion
    engine : str
        ``"auto"`` or a name in :data:`ENGINES`.
    scale : float, >= 0
    compute : collection of str, optional
        What to compute, among :data:`COMPUTE` (default: everything the engine can).
    rng : Generator or Streams, optional
        Randomness of the numerical routes (exact engines draw nothing).
    n_samples, eta_paths, eta_steps : int
        Sizes of the numerical routes (:class:`Settings`).
    progress : bool, optional
        A bar over the long engines' work (grid integrations, Euler–Maruyama steps); ``None``
        (default): when stderr is a terminal.

    Returns
    -------
    GenerationSolution
        With ``engine`` the name used and ``reason`` why the engines before it were passed over.

    Examples
    --------
    >>> from gaussian_oracle import AffineError, Diffusion, Gaussian
    >>> sol = solve_generation(Gaussian(0.0, 0.5), AffineError(xi=0.1), Diffusion(init="exact"))
    >>> sol.engine, sol.exact, round(sol.eps_star2.value, 12)    # |xi|^2 (T - t0)
    ('linear', True, 0.0398)
    """
    data = check_law("data", data)
    error = check_error("error", error)
    if not isinstance(diffusion, Diffusion):
        raise OracleDomainError(f"diffusion={diffusion!r} must be a Diffusion")
    scale = check_scalar("scale", scale, low=0.0)
    items = _compute(compute)
    settings = Settings(n_samples, eta_paths, eta_steps, progress=check_progress(progress))
    if engine == "auto":
        passed: list[str] = []
        for name, candidate in ENGINES.items():
            why = candidate.supports(data, error, diffusion, scale=scale)
            if why is None:
                chosen, note = candidate, "; ".join(passed)
                break
            passed.append(f"{name}: {why}")
        else:
            raise OracleDomainError(f"no engine supports this instance ({'; '.join(passed)})")
    else:
        if not isinstance(engine, str) or engine not in ENGINES:
            raise OracleDomainError(
                f"engine={engine!r} must be 'auto' or one of {', '.join(map(repr, ENGINES))}"
            )
        chosen, note = ENGINES[engine], ""
        why = chosen.supports(data, error, diffusion, scale=scale)
        if why is not None:
            raise OracleDomainError(f"engine={engine!r} does not support this instance: {why}")
    sol = chosen.solve(
        data,
        error,
        diffusion,
        scale=scale,
        compute=items,
        streams=Streams.of(rng),
        settings=settings,
    )
    return replace(sol, reason=f"passed over: {note}") if note else sol


def _register_builtins() -> None:
    from ._engine_grid import GridEngine
    from ._engine_lawmap import LawMapEngine
    from ._engine_linear import LinearEngine, ZeroErrorEngine
    from ._engine_montecarlo import MonteCarloEngine

    for engine in (
        ZeroErrorEngine(),
        LinearEngine(),
        LawMapEngine(),
        GridEngine(),
        MonteCarloEngine(),
    ):
        register_engine(engine)


_register_builtins()
