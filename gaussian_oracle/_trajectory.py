"""The result of :func:`run_recursion` and its file format (THEORY.md §2, §6, §7).

File format (:meth:`Trajectory.save`): one NumPy ``.npz`` archive holding the laws (each
distinct component once, ``table_means`` / ``table_covs``, and per law its rows ``index``,
``weights`` and ``ages`` concatenated over generations, with ``offsets``:
:mod:`gaussian_oracle._trajectory_format`; or, for laws on a grid, ``grid_values`` stacked over
generations with the box ``grid_lower``, ``grid_upper``, ``grid_n``), the data law
(``data_*``), one group of arrays
per sequence of values (value, abs_error, method, reason, n_samples, bias, kind; ``present``
marks the generations where a value exists), and a JSON string ``meta`` with the scalar
settings. It is written to a temporary file and renamed (:mod:`gaussian_oracle._files`), so an
interruption never leaves a partial file. ``Trajectory.load(path) == original`` holds exactly.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._diffusion import Diffusion
from ._divergence import Divergence
from ._errors import OracleDomainError
from ._files import atomic_write
from ._grid import Box
from ._grid_law import GridLaw
from ._laws import Gaussian, GaussianMixture, Law
from ._learners import learner_from_config
from ._trajectory_format import law_arrays, laws_from, pack, unpack
from ._validation import FloatArray

__all__ = ["Trajectory"]

_FORMAT = "diffusion-collapse/trajectory/4"
#: formats read: 2 (its learner is a repr string, kept as ``{"repr": text}``) and 3 (every
#: law's components written out) besides this one
_READ = (_FORMAT, "diffusion-collapse/trajectory/3", "diffusion-collapse/trajectory/2")
#: the sequences of values, in file order; those that may lack a value at a generation
_SEQUENCES = ("D", "I", "I_ideal", "J", "refreshed", "eps_star2", "eta")
_OPTIONAL = ("I_ideal",)


@dataclass(frozen=True, slots=True)
class Trajectory:
    """A run of the recursion: laws, divergences and observables per generation.

    Attributes
    ----------
    alpha : float
    diffusion : Diffusion
    learner : tuple of dict
        The configuration (``Learner.config()``) of the learner of each generation,
        ``i = 0 .. G-1``; :meth:`learners` rebuilds the learners.
    data : Gaussian or GaussianMixture
        The data law ``p``.
    laws : tuple of GaussianMixture, or of GridLaw
        ``p_hat_0 .. p_hat_G`` (components with ages, merged); GridLaws on one box when the
        run went through the grid recursion (``settings["engine"] == "grid"``).
    D : tuple of Divergence
        ``D_i = chi2(p_hat_i || p)`` for ``i = 0 .. G``.
    I : tuple of Divergence
        ``I_i = chi2(p_hat_{i+1} || q_i)``, against the **training law** (the paper's
        definition), ``i = 0 .. G-1``. Empty when not in ``compute``.
    I_ideal : tuple of Divergence or None
        ``chi2(p_hat_{i+1} || ideal endpoint)``, against the law at which the ideal reverse
        process for ``q_i`` ends: ``P_{t0} q_i`` under exact init, the closed form of
        :func:`standard_init_endpoint` under standard init (None there when ``q_i`` is a
        mixture: no closed form). What Prop. 3.3 and Thm. 3.4 bound (THEORY.md §1, §6).
    J : tuple of Divergence
        ``J_i = int (p_hat_{i+1} - q_i)^2 / p`` (THEORY.md §7, the square-root recursion).
    refreshed : tuple of Divergence
        ``chi2(q_i || p)`` computed directly, for the check of Lemma F.1.
    eps_star2 : tuple of Divergence
        Score energy of the step ``q_i -> p_hat_{i+1}``, ``i = 0 .. G-1`` (value, error, method).
    eta : tuple of Divergence
        Observability of that step; ``kind`` is "exact" (linear engine), "estimate" (settled
        spline regression in dimension 1) or "lower-bound" (quadratic regression on mixtures).
    settings : dict
        Everything else the run depended on: ``seed`` (the entropy of its random streams),
        ``n_samples``, ``eta_paths``, ``eta_steps``, ``compute`` (what was computed).
    """

    alpha: float
    diffusion: Diffusion
    learner: tuple[dict[str, Any], ...]
    data: Law
    laws: tuple[Any, ...]
    D: tuple[Divergence, ...]
    I: tuple[Divergence, ...]  # noqa: E741 - the paper's name
    I_ideal: tuple[Divergence | None, ...]
    J: tuple[Divergence, ...]
    refreshed: tuple[Divergence, ...]
    eps_star2: tuple[Divergence, ...]
    eta: tuple[Divergence, ...]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def generations(self) -> int:
        return len(self.laws) - 1

    @property
    def D_values(self) -> FloatArray:
        """``D_i`` as an array (``inf`` where infinite or beyond float64)."""
        return np.array([d.value for d in self.D])

    @property
    def first_infinite(self) -> int | None:
        """First generation ``i`` with ``D_i = +inf`` (decided by the tail rule), or None.

        A ``D_i`` that is finite but beyond the float64 range is stored as ``inf`` with method
        ``"overflow"`` (its ``log(1 + D_i)`` is in ``D[i].reason``); it does not count here:
        see :attr:`first_overflow`.
        """
        for i, d in enumerate(self.D):
            if d.value == np.inf and d.method == "tail-rule":
                return i
        return None

    @property
    def first_overflow(self) -> int | None:
        """First generation ``i`` whose finite ``D_i`` exceeds the float64 range, or None."""
        for i, d in enumerate(self.D):
            if d.overflow:
                return i
        return None

    def learners(self) -> list[Any]:
        """The learner of each generation, rebuilt from :attr:`learner`."""
        return [learner_from_config(c) for c in self.learner]

    def lemma_f1_residuals(self) -> FloatArray:
        """``chi2(q_i || p) - (1 - alpha)^2 D_i`` per generation (0 up to round-off; nan where
        both sides are infinite)."""
        d = self.D_values
        # q_i's own alpha: a schedule's (the last one again for q_G), else the constant
        sched = self.settings.get("alpha_schedule")
        a = np.asarray([*sched, sched[-1]] if sched else [self.alpha] * len(d), dtype=float)
        rhs = np.where(
            d == np.inf,
            np.where(a < 1.0, np.inf, 0.0),
            (1.0 - a) ** 2 * np.where(np.isfinite(d), d, 0.0),
        )
        lhs = np.array([r.value for r in self.refreshed])
        with np.errstate(invalid="ignore"):
            return np.where((lhs == np.inf) & (rhs == np.inf), np.nan, lhs - rhs)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the trajectory to ``path`` (``.npz``) atomically; returns the path.

        The folder must exist and be writable (checked first, with the path in the message).
        """
        target = Path(path)
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise OracleDomainError(
                f"path={str(path)!r}: the folder {str(folder)!r} does not exist"
            )
        if not os.access(folder, os.W_OK):
            raise OracleDomainError(
                f"path={str(path)!r}: the folder {str(folder)!r} is not writable"
            )
        data = self.data if isinstance(self.data, GaussianMixture) else None
        on_grid = bool(self.laws) and isinstance(self.laws[0], GridLaw)
        mixtures = () if on_grid else self.laws
        d = self.data.dim
        arrays: dict[str, Any] = {
            **law_arrays(mixtures, d),
            "data_weights": np.ones(1) if data is None else data.weights,
            "data_means": self.data.mean[None] if data is None else data.means,
            "data_covs": self.data.cov[None] if data is None else data.covs,
            "data_ages": np.zeros(1, dtype=np.int64) if data is None else data.ages,
        }
        if on_grid:
            box = self.laws[0].box
            arrays["grid_values"] = np.stack([law.values for law in self.laws])
            arrays["grid_lower"], arrays["grid_upper"] = box.lower, box.upper
            arrays["grid_n"] = np.asarray(box.n, dtype=np.int64)
        for name in _SEQUENCES:
            for key, val in pack(getattr(self, name)).items():
                arrays[f"{name}_{key}"] = val
        meta = {
            "format": _FORMAT,
            "alpha": self.alpha,
            "learner": self.learner,
            "T": self.diffusion.T,
            "t0": self.diffusion.t0,
            "init": self.diffusion.init,
            "data": "gaussian" if data is None else "mixture",
            "settings": self.settings,
        }
        arrays["meta"] = np.array(json.dumps(meta))

        def write(handle: Any) -> None:
            np.savez(handle, **arrays)

        return atomic_write(target, write, "wb")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Trajectory:
        """Read a trajectory written by :meth:`save` (exact round trip: equal to the original)."""
        try:
            handle = np.load(Path(path), allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise OracleDomainError(
                f"path={str(path)!r} cannot be read as a trajectory: {exc}"
            ) from exc
        with handle as z:
            if "meta" not in z.files:
                raise OracleDomainError(
                    f"path={str(path)!r} is not a trajectory file (no meta record)"
                )
            meta = json.loads(str(z["meta"]))
            if meta.get("format") not in _READ:
                raise OracleDomainError(
                    f"path={str(path)!r} is not a trajectory file of format {_FORMAT!r} "
                    f"(format {meta.get('format')!r})"
                )
            laws: tuple[Any, ...] = laws_from(z, f"path={str(path)!r}")
            if "grid_values" in z.files:
                box = Box(z["grid_lower"], z["grid_upper"], [int(m) for m in z["grid_n"]])
                laws = tuple(GridLaw(box, v) for v in z["grid_values"])
            mixture = GaussianMixture(
                z["data_weights"], z["data_means"], z["data_covs"], z["data_ages"]
            )
            data: Law = (
                mixture
                if meta["data"] == "mixture"
                else Gaussian(mixture.means[0], mixture.covs[0])
            )
            seqs = {name: unpack(z, name) for name in _SEQUENCES}
        for name in _SEQUENCES:
            if name not in _OPTIONAL and any(x is None for x in seqs[name]):
                raise OracleDomainError(f"path={str(path)!r}: sequence {name} has missing values")
        return cls(
            float(meta["alpha"]),
            Diffusion(meta["T"], meta["t0"], meta["init"]),
            _learner_configs(meta["learner"]),
            data,
            laws,
            **{name: tuple(seqs[name]) for name in _SEQUENCES},  # type: ignore[arg-type]
            settings=dict(meta["settings"]),
        )


def _learner_configs(raw: Any) -> tuple[dict[str, Any], ...]:
    if isinstance(raw, str):  # format 2: a repr
        return ({"repr": raw},)
    return tuple(dict(c) for c in raw)
