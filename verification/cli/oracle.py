"""``diffusion-collapse oracle CONFIG.toml``: one generation or a recursion from a file.

The defaults are those of the Python API: ``[diffusion] init = "standard"`` (the paper's
N(0, I) start), and for a recursion ``observables = true`` and ``intra = true``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._common import UsageError, div_record, read_text

HELP = "run one generation or a recursion from a TOML config"

ORACLE_HELP = """A TOML file with [data] (mean, cov; or weights, means, covs), optional
[diffusion] (T = 4.0, t0 = 0.02, init = "standard" | "exact"), and either [error] (one
generation: W, xi, profile, scale) or [recursion] (alpha, generations, learner = a name of
gaussian_oracle.LEARNERS (ExactScore, PopulationKDE, AffinePushforward, FiniteSampleRefit,
FiniteSampleKDE) with its parameters (h / A, b / n), compute = ["I", "I_ideal", "J",
"eps_star2", "eta"] (or the switches observables = true, intra = true), seed = 0,
save = "file.npz"). Defaults are the Python API's."""

#: fields of [recursion] besides the learner's own parameters
_RECURSION_FIELDS = {
    "alpha",
    "generations",
    "learner",
    "learners",
    "compute",
    "observables",
    "intra",
    "seed",
    "save",
}


def _schema(fn: Any, *args: Any) -> Any:
    """A call into the configuration schema (:mod:`verification._config`), its errors as
    usage errors."""
    from .._errors import VerificationError

    try:
        return fn(*args)
    except VerificationError as exc:
        raise UsageError(str(exc)) from exc


def _table_of(config: dict[str, Any], name: str, allowed: set[str]) -> dict[str, Any]:
    from .._config import table

    section: dict[str, Any] = _schema(table, config, name, allowed)
    return section


def _field(table: dict[str, Any], section: str, key: str) -> Any:
    if key not in table:
        raise UsageError(f"config [{section}].{key}: missing")
    return table[key]


def _flag(table: dict[str, Any], section: str, key: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise UsageError(f"config [{section}].{key}: {value!r} must be true or false")
    return value


def _save_target(base: Path, name: Any) -> Path:
    """The file ``[recursion] save`` names, checked before the run (folder exists, writable)."""
    import os

    if not isinstance(name, str) or not name:
        raise UsageError(f"config [recursion].save: {name!r} must be a file name")
    target = base / name
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"config [recursion].save: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"config [recursion].save: the folder {folder} is not writable")
    if target.is_dir():
        raise UsageError(f"config [recursion].save: {target} is a folder")
    return target


def _one_generation(config: dict[str, Any]) -> dict[str, Any]:
    from .._config import instance_from_config
    from .._instances import evaluate

    sections = {k: config[k] for k in ("data", "diffusion", "error") if k in config}
    sol = evaluate(_schema(instance_from_config, sections)).solution
    return {
        "eps_star2": sol.eps_star2,
        "eps_hat2": sol.eps_hat2,
        "eta": sol.eta,
        "path_kl": sol.path_kl,
        "chi2": div_record(sol.chi2),
        "kl": div_record(sol.kl),
        "chi2_training": div_record(sol.chi2_training),
        "kl_training": div_record(sol.kl_training),
    }


def _compute(rec: dict[str, Any]) -> list[str]:
    """``compute`` of run_recursion from ``compute = [...]`` or the ``observables`` and
    ``intra`` switches of [recursion]."""
    from gaussian_oracle import RECURSION_COMPUTE

    if "compute" in rec:
        if "observables" in rec or "intra" in rec:
            raise UsageError("config [recursion]: give compute or observables / intra, not both")
        items = rec["compute"]
        if not isinstance(items, list) or any(x not in RECURSION_COMPUTE for x in items):
            raise UsageError(
                f"config [recursion].compute: {items!r} must be a list of "
                f"{', '.join(map(repr, RECURSION_COMPUTE))}"
            )
        return items
    todo = list(RECURSION_COMPUTE)
    if not _flag(rec, "recursion", "intra", True):
        todo = [c for c in todo if c not in ("I", "I_ideal", "J")]
    if not _flag(rec, "recursion", "observables", True):
        todo = [c for c in todo if c not in ("eps_star2", "eta")]
    return todo


def _recursion(config: dict[str, Any], data: Any, diffusion: Any, base: Path) -> dict[str, Any]:
    import numpy as np

    import gaussian_oracle as O

    from .._config import learner_fields, learners_from_config

    allowed = _RECURSION_FIELDS.union(*learner_fields().values())
    rec = _table_of(config, "recursion", allowed)
    learners = list(_schema(learners_from_config, rec))
    target = _save_target(base, rec["save"]) if "save" in rec else None
    seed = rec.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"config [recursion].seed: {seed!r} must be an integer >= 0")
    traj = O.run_recursion(
        data,
        alpha=_field(rec, "recursion", "alpha"),
        learner=learners,
        diffusion=diffusion,
        generations=len(learners),
        rng=np.random.default_rng(seed),
        compute=_compute(rec),
    )
    record: dict[str, Any] = {
        "D": [div_record(x) for x in traj.D],
        "I": [div_record(x) for x in traj.I],
        "I_ideal": [None if x is None else div_record(x) for x in traj.I_ideal],
        "J": [div_record(x) for x in traj.J],
        "eps_star2": [div_record(x) for x in traj.eps_star2],
        "eta": [div_record(x) for x in traj.eta],
        "first_infinite": traj.first_infinite,
        "first_overflow": traj.first_overflow,
        "lemma_f1_max_residual": float(np.nanmax(np.abs(traj.lemma_f1_residuals()), initial=0.0)),
    }
    if target is not None:
        record["saved"] = str(traj.save(target))
    return record


def add_parser(sub: Any) -> None:
    orc = sub.add_parser("oracle", help=HELP, description=ORACLE_HELP)
    orc.add_argument("config", metavar="CONFIG.toml")
    orc.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    import tomllib

    from .._output import dumps

    path = Path(args.config)
    try:
        config = tomllib.loads(read_text("config", path))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from exc
    extra = sorted(set(config) - {"data", "diffusion", "error", "recursion"})
    if extra:
        raise UsageError(
            f"config [{extra[0]}]: unknown section (allowed: data, diffusion, error, recursion)"
        )
    if ("error" in config) == ("recursion" in config):
        raise UsageError("config: give exactly one of [error] (one generation) or [recursion]")
    from .._config import diffusion_from_config, law_from_config

    data = _schema(
        law_from_config,
        _table_of(config, "data", {"mean", "cov", "weights", "means", "covs", "ages"}),
    )
    diffusion = _schema(diffusion_from_config, config)
    current = "error" if "error" in config else "recursion"
    try:
        if "error" in config:
            record = _one_generation(config)
        else:
            record = _recursion(config, data, diffusion, path.parent)
    except (ValueError, TypeError) as exc:  # the library's errors are ValueError subclasses
        raise UsageError(f"config [{current}]: {exc}") from exc
    if args.json:
        print(dumps(record))
        return 0

    def num(v: Any) -> str:
        return v if isinstance(v, str) else f"{v:.6g}"

    for key, value in record.items():
        if isinstance(value, list):
            shown = ["-" if v is None else num(v["value"]) for v in value]
            print(f"{key:>22}: [{', '.join(shown)}]")
        elif isinstance(value, dict):
            print(f"{key:>22}: {num(value['value'])} ({value['method']})")
        else:
            print(f"{key:>22}: {value if not isinstance(value, float) else num(value)}")
    return 0
