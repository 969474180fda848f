"""One configuration schema for instances: TOML or JSON in, plain dictionaries out and back.

A configuration is a table with an optional ``label`` and the sections

``[data]``
    ``mean``, ``cov`` (a Gaussian) or ``weights``, ``means``, ``covs`` (a mixture);
``[diffusion]``
    ``T`` (4.0), ``t0`` (0.02), ``init`` ("standard" | "exact"): the Python API's defaults;
``[error]`` (one generation)
    ``W``, ``xi``, ``profile`` ("constant" | "noisy" | "clean"), ``scale`` (1.0);
``[recursion]`` (many generations, instead of ``[error]``)
    ``alpha``, and either ``learner`` (a name of :data:`gaussian_oracle.LEARNERS`) with its
    parameters and ``generations``, or ``learners``, one configuration per generation
    (``[[recursion.learners]]`` in TOML); ``eta_paths``, ``eta_steps``, ``seed``, ``notes``.

:func:`instance_from_config` builds a :class:`GenerationInstance` or
:class:`RecursionInstance`; :func:`instance_to_config` writes one back (the round trip gives
an equal description). Errors name the section and the field. The ``oracle`` command reads
the same ``[data]``, ``[diffusion]``, ``[error]`` and learner fields.
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from gaussian_oracle import LEARNERS, Diffusion, Gaussian, GaussianMixture, learner_from_config

from ._errors import VerificationError
from ._instances import GenerationInstance, Instance, RecursionInstance

__all__ = [
    "diffusion_from_config",
    "instance_from_config",
    "instance_to_config",
    "law_from_config",
    "learner_fields",
    "learners_from_config",
    "load_instance",
    "table",
]

SECTIONS = ("data", "diffusion", "error", "recursion")
_RECURSION = {
    "alpha",
    "generations",
    "learner",
    "learners",
    "eta_paths",
    "eta_steps",
    "seed",
    "t0_schedule",
}


def table(config: Any, name: str, allowed: set[str]) -> dict[str, Any]:
    """The section ``name`` of ``config`` (empty if absent), refusing unknown fields."""
    section = config.get(name, {})
    if not isinstance(section, dict):
        raise VerificationError(f"config [{name}] must be a table")
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise VerificationError(
            f"config [{name}].{unknown[0]}: unknown field (allowed: {', '.join(sorted(allowed))})"
        )
    return section


def _required(section: dict[str, Any], name: str, key: str) -> Any:
    if key not in section:
        raise VerificationError(f"config [{name}].{key}: missing")
    return section[key]


def law_from_config(spec: Any, where: str = "config [data]") -> Gaussian | GaussianMixture:
    """A law from ``{mean, cov}`` or ``{weights, means, covs[, ages]}``."""
    if not isinstance(spec, dict):
        raise VerificationError(
            f"{where}: expected a JSON object (a table) with keys mean/cov or weights/means/covs"
        )
    keys = set(spec)
    try:
        if keys == {"mean", "cov"}:
            return Gaussian(spec["mean"], spec["cov"])
        if keys in ({"weights", "means", "covs"}, {"weights", "means", "covs", "ages"}):
            return GaussianMixture(spec["weights"], spec["means"], spec["covs"], spec.get("ages"))
    except ValueError as exc:
        raise VerificationError(f"{where}: {exc}") from exc
    raise VerificationError(
        f"{where}: keys {sorted(keys)} describe no law; use mean/cov or weights/means/covs[/ages]"
    )


def law_to_config(law: Gaussian | GaussianMixture) -> dict[str, Any]:
    if isinstance(law, Gaussian):
        return {"mean": law.mean.tolist(), "cov": law.cov.tolist()}
    return {
        "weights": law.weights.tolist(),
        "means": law.means.tolist(),
        "covs": law.covs.tolist(),
        "ages": law.ages.tolist(),
    }


def diffusion_from_config(config: Any) -> Diffusion:
    d = table(config, "diffusion", {"T", "t0", "init"})
    try:
        return Diffusion(d.get("T", 4.0), d.get("t0", 0.02), d.get("init", "standard"))
    except ValueError as exc:
        raise VerificationError(f"config [diffusion]: {exc}") from exc


def learner_fields() -> dict[str, tuple[str, ...]]:
    """Each registered learner's parameters (from its signature: the registry is the list)."""
    return {name: tuple(inspect.signature(cls).parameters) for name, cls in LEARNERS.items()}


def learners_from_config(rec: dict[str, Any]) -> tuple[Any, ...]:
    """The learners of a ``[recursion]`` table: ``learners`` (one per generation), or
    ``learner`` with its parameters repeated ``generations`` times."""
    fields = learner_fields()
    if "learners" in rec:
        if "learner" in rec or "generations" in rec:
            raise VerificationError(
                "config [recursion]: give learners (one per generation) or learner and "
                "generations, not both"
            )
        items = rec["learners"]
        if not isinstance(items, list) or not items:
            raise VerificationError("config [recursion].learners: must be a non-empty list")
        try:
            return tuple(learner_from_config(dict(c)) for c in items)
        except (ValueError, TypeError) as exc:
            raise VerificationError(f"config [recursion].learners: {exc}") from exc
    name = _required(rec, "recursion", "learner")
    if name not in fields:
        raise VerificationError(
            f"config [recursion].learner: {name!r} must be one of {', '.join(fields)}"
        )
    n = _required(rec, "recursion", "generations")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise VerificationError(f"config [recursion].generations: {n!r} must be an integer >= 1")
    params = {k: rec[k] for k in fields[name] if k in rec}
    try:
        learner = learner_from_config({"learner": name, **params})
    except ValueError as exc:
        raise VerificationError(f"config [recursion]: {exc}") from exc
    return (learner,) * n


def instance_from_config(config: Any) -> Instance:
    """The instance a configuration describes (module docstring).

    Examples
    --------
    >>> inst = instance_from_config({
    ...     "data": {"mean": [0.0], "cov": [[1.0]]},
    ...     "diffusion": {"init": "exact"},
    ...     "recursion": {"alpha": 0.3, "learner": "PopulationKDE", "h": 0.1, "generations": 3},
    ... })
    >>> inst.generations, inst.learners[0]
    (3, PopulationKDE(h=0.1))
    >>> instance_from_config(instance_to_config(inst)).describe() == inst.describe()
    True
    """
    if not isinstance(config, dict):
        raise VerificationError(f"config={config!r} must be a table")
    extra = sorted(set(config) - {*SECTIONS, "label", "notes"})
    if extra:
        raise VerificationError(
            f"config [{extra[0]}]: unknown section (allowed: label, notes, {', '.join(SECTIONS)})"
        )
    if ("error" in config) == ("recursion" in config):
        raise VerificationError(
            "config: give exactly one of [error] (one generation) or [recursion]"
        )
    label = str(config.get("label", "config"))
    if "data" not in config:
        raise VerificationError("config [data]: missing")
    data = law_from_config(config["data"])
    diffusion = diffusion_from_config(config)
    if "error" in config:
        err = table(config, "error", {"W", "xi", "profile", "scale"})
        if not isinstance(data, Gaussian):
            raise VerificationError("config [data]: one generation ([error]) needs Gaussian data")
        d = data.dim
        try:
            inst = GenerationInstance(
                label=label,
                data=data,
                W=np.asarray(err.get("W", np.zeros((d, d))), dtype=float),
                xi=np.asarray(err.get("xi", np.zeros(d)), dtype=float),
                profile=str(err.get("profile", "constant")),
                diffusion=diffusion,
                scale=float(err.get("scale", 1.0)),
            )
            inst.error()  # validates the profile
        except (ValueError, TypeError) as exc:
            raise VerificationError(f"config [error]: {exc}") from exc
        return inst
    rec = table(config, "recursion", _RECURSION.union(*learner_fields().values()))
    if not isinstance(data, Gaussian):
        raise VerificationError("config [data]: the verifier's recursions take Gaussian data")
    return RecursionInstance(
        label=label,
        data=data,
        alpha=float(_required(rec, "recursion", "alpha")),
        learners=learners_from_config(rec),
        diffusion=diffusion,
        eta_paths=int(rec.get("eta_paths", 2000)),
        eta_steps=int(rec.get("eta_steps", 100)),
        seed=int(rec.get("seed", 0)),
        notes=str(config.get("notes", "")),
        t0_schedule=_t0_schedule(rec),
    )


def _t0_schedule(rec: dict[str, Any]) -> tuple[float, ...] | None:
    raw = rec.get("t0_schedule")
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in raw
    ):
        raise VerificationError(
            f"config [recursion] t0_schedule={raw!r} must be a list of positive numbers, one per "
            "generation"
        )
    return tuple(float(v) for v in raw)


def instance_to_config(inst: Instance) -> dict[str, Any]:
    """The configuration of an instance (plain values: JSON- and TOML-safe)."""
    d = inst.diffusion
    out: dict[str, Any] = {
        "label": inst.label,
        "data": law_to_config(inst.data),
        "diffusion": {"T": d.T, "t0": d.t0, "init": d.init},
    }
    if isinstance(inst, GenerationInstance):
        out["error"] = {
            "W": np.asarray(inst.W).tolist(),
            "xi": np.asarray(inst.xi).tolist(),
            "profile": inst.profile,
            "scale": inst.scale,
        }
        return out
    configs = [x.config() for x in inst.learners]
    rec: dict[str, Any] = {"alpha": inst.alpha}
    if all(c == configs[0] for c in configs):
        rec.update({k: v for k, v in configs[0].items()}, generations=len(configs))
    else:
        rec["learners"] = configs
    rec.update(eta_paths=inst.eta_paths, eta_steps=inst.eta_steps, seed=inst.seed)
    if inst.t0_schedule is not None:
        rec["t0_schedule"] = list(inst.t0_schedule)
    out["recursion"] = rec
    if inst.notes:
        out["notes"] = inst.notes
    return out


def load_instance(path: str | os.PathLike[str]) -> Instance:
    """Read a configuration file (``.toml`` or ``.json``) as an instance."""
    import tomllib

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
        config = tomllib.loads(text) if p.suffix == ".toml" else json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise VerificationError(
            f"path={str(path)!r} cannot be read as a configuration: {exc}"
        ) from exc
    return instance_from_config(config)
