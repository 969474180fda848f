"""The result of :func:`gaussian_oracle.simulate_protocol`: statistics per run and generation,
the oracle's exact values, the paper's estimators, kept samples; saved and loaded exactly."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._files import atomic_write
from ._laws import GaussianMixture
from ._protocol_estimators import LABEL

__all__ = ["ProtocolRun"]


@dataclass(frozen=True, eq=False)
class ProtocolRun:
    """The literal protocol's runs at one alpha (:func:`simulate_protocol`).

    Attributes
    ----------
    settings : dict
        Every argument as plain values (``alpha`` the one asked for; ``alpha_eff =
        round(alpha N) / N`` the fresh fraction of the training sets, which the oracle uses).
    data : GaussianMixture
    stats : dict of str to ndarray
        Per run and generation, shape ``(runs, generations + 1, ...)``: :data:`STATS`
        (``gaussian_oracle._protocol_stats``).
    oracle : dict of str to ndarray
        The exact closure (population KDE, exact init, exact sampling: :func:`run_recursion`),
        shape ``(generations + 1, ...)``: ``mean``, ``cov``, ``second_moment``, ``w2_fit``;
        with ``estimators`` in dimension >= 3, also ``eps_star2`` and ``eps_star2_se`` of the
        population KDE (the oracle's Monte Carlo, shape ``(generations,)``; in d <= 2 the
        oracle's route is a cubature, minutes per generation, and is left out).
    estimators : dict of str to ndarray
        ``eps_star2``, ``eps_star2_se``, ``eta``, ``eta_se`` per run and generation ``i`` (shape
        ``(runs, generations)``): the paper's estimators, labelled in ``estimator_label``;
        empty without ``estimators=True``.
    samples : dict of int to ndarray
        Run 0's points at the generations of ``keep`` (for figures).
    """

    settings: dict[str, Any]
    data: GaussianMixture
    stats: dict[str, np.ndarray]
    oracle: dict[str, np.ndarray]
    estimators: dict[str, np.ndarray]
    samples: dict[int, np.ndarray]

    estimator_label = LABEL

    @property
    def runs(self) -> int:
        return int(self.settings["runs"])

    def over_runs(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Mean over runs of a statistic and its standard error (0 with one run)."""
        x = self.stats[name] if name in self.stats else self.estimators[name]
        se = x.std(axis=0, ddof=1) / math.sqrt(self.runs) if self.runs > 1 else 0.0 * x[0]
        return x.mean(axis=0), se

    def relative(self, name: str = "second_moment") -> tuple[np.ndarray, np.ndarray]:
        """``stat_i / stat(data) - 1`` per generation, mean over runs and standard error (the
        data's exact value is the oracle's generation 0)."""
        base = self.oracle[name][0]
        mean, se = self.over_runs(name)
        return mean / base - 1.0, se / abs(base)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write one ``.npz`` file (atomically); :meth:`load` reads it back exactly."""
        arrays: dict[str, Any] = {f"stats.{k}": v for k, v in self.stats.items()}
        arrays |= {f"oracle.{k}": v for k, v in self.oracle.items()}
        arrays |= {f"estimators.{k}": v for k, v in self.estimators.items()}
        arrays |= {f"samples.{g}": v for g, v in self.samples.items()}
        arrays["data.weights"] = self.data.weights
        arrays["data.means"] = self.data.means
        arrays["data.covs"] = self.data.covs
        arrays["settings"] = np.array(json.dumps(self.settings, sort_keys=True))

        def write(handle: Any) -> None:
            np.savez(handle, **arrays)  # plain numeric and string arrays: no pickles

        return atomic_write(Path(path), write, "wb")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ProtocolRun:
        """The run written by :meth:`save`."""
        with np.load(Path(path), allow_pickle=False) as z:
            parts: dict[str, dict[str, np.ndarray]] = {}
            for key in z.files:
                if key != "settings":
                    group, name = key.split(".", 1)
                    parts.setdefault(group, {})[name] = z[key]
            settings = json.loads(str(z["settings"]))
        d = parts.pop("data")
        return cls(
            settings,
            GaussianMixture(d["weights"], d["means"], d["covs"]),
            parts.get("stats", {}),
            parts.get("oracle", {}),
            parts.get("estimators", {}),
            {int(g): v for g, v in parts.get("samples", {}).items()},
        )
