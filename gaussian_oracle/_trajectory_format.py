"""How a :class:`Trajectory`'s laws and value sequences are laid out in its ``.npz`` (private).

Laws (format 4). The distinct components are stored once, in ``table_means`` / ``table_covs``;
each law is its rows ``index[offsets[i]:offsets[i+1]]`` of the table with its own ``weights``
and ``ages``. Laws that are views of the same rows of one array (the recursion's age table:
``p_hat_n`` is rows ``1 .. n``) share their rows, so a run of ``G`` generations takes ``O(G)``
floats of components instead of ``O(G^2)``; other laws get rows of their own, as before. On
reading, the table is validated and factorised once, and a law whose rows are consecutive is
a view of it (memory stays linear there too). Formats 2 and 3 (every law's components
written out) are still read.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np

from ._divergence import Divergence
from ._errors import OracleDomainError
from ._factors import _check_ages, _Factors
from ._laws import GaussianMixture, _assemble, with_saved_weights
from ._validation import WEIGHT_SUM_ATOL

__all__ = ["law_arrays", "laws_from", "pack", "unpack"]

_FIELDS = ("value", "abs_error", "method", "reason", "n_samples", "bias", "kind", "log_value")


def _rows_of(a: np.ndarray) -> tuple[np.ndarray, int] | None:
    """``(base, first)`` when ``a`` is the consecutive rows ``first ..`` of the array ``base``."""
    base = a
    while isinstance(base.base, np.ndarray):
        base = base.base
    if base is a or base.ndim != a.ndim or base.shape[1:] != a.shape[1:]:
        return None
    if base.strides != a.strides or not base.flags.c_contiguous:
        return None
    first, rest = divmod(a.ctypes.data - base.ctypes.data, base.strides[0])
    return (base, first) if rest == 0 and 0 <= first <= base.shape[0] - a.shape[0] else None


def law_arrays(laws: tuple[GaussianMixture, ...], d: int) -> dict[str, np.ndarray]:
    """The arrays of the module docstring for ``laws``."""
    chunks_m: list[np.ndarray] = [np.zeros((0, d))]
    chunks_c: list[np.ndarray] = [np.zeros((0, d, d))]
    shared: dict[tuple[int, int], int] = {}  # (id of the means' base, of the covs') -> start
    index, n = [], 0
    for law in laws:
        k = law.n_components
        m, c = _rows_of(law.means), _rows_of(law.covs)
        if m is not None and c is not None and m[1] == c[1] and len(m[0]) == len(c[0]):
            key = (id(m[0]), id(c[0]))
            if key not in shared:
                shared[key] = n
                chunks_m.append(m[0])
                chunks_c.append(c[0])
                n += len(m[0])
            index.append(shared[key] + m[1] + np.arange(k))
        else:
            chunks_m.append(law.means)
            chunks_c.append(law.covs)
            index.append(n + np.arange(k))
            n += k
    flat = np.concatenate([np.zeros(0, dtype=np.int64), *index]).astype(np.int64)
    used, flat = np.unique(flat, return_inverse=True)  # rows of a base no law uses: dropped
    return {
        "offsets": np.concatenate([[0], np.cumsum([law.n_components for law in laws])]).astype(
            np.int64
        ),
        "index": flat.astype(np.int64),
        "table_means": np.concatenate(chunks_m)[used],
        "table_covs": np.concatenate(chunks_c)[used],
        "weights": np.concatenate([np.zeros(0)] + [law.weights for law in laws]),
        "ages": np.concatenate([np.zeros(0, dtype=np.int64)] + [law.ages for law in laws]),
    }


def laws_from(z: Any, where: str) -> tuple[GaussianMixture, ...]:
    """The laws of an open archive ``z`` (formats 2–4); ``where`` names the file in errors."""
    off = z["offsets"]
    if "table_means" not in z.files:  # formats 2 and 3: every law written out
        return tuple(
            with_saved_weights(
                GaussianMixture(z["weights"][a:b], z["means"][a:b], z["covs"][a:b], z["ages"][a:b]),
                z["weights"][a:b],
            )
            for a, b in pairwise(off)
        )
    index, weights, ages = z["index"], z["weights"], z["ages"]
    n = len(z["table_means"])
    if n == 0:
        return ()
    if index.size and (index.min() < 0 or index.max() >= n):
        raise OracleDomainError(f"{where}: a law refers to a component the file does not hold")
    table = GaussianMixture(np.full(n, 1.0 / n), z["table_means"], z["table_covs"])
    f = table._factors
    out = []
    for a, b in pairwise(off):
        idx = index[a:b]
        w = np.array(weights[a:b], dtype=np.float64)
        if w.size == 0 or not np.all(w >= 0) or abs(float(np.sum(w)) - 1.0) > WEIGHT_SUM_ATOL:
            raise OracleDomainError(f"{where}: the weights of a law are not a distribution")
        rows: Any = idx
        if idx.size and np.array_equal(idx, idx[0] + np.arange(idx.size)):
            rows = slice(int(idx[0]), int(idx[0]) + idx.size)  # views of the table
        law = _assemble(
            w,
            table.means[rows],
            table.covs[rows],
            _check_ages(ages[a:b], idx.size),
            _Factors(f.chol[rows], f.chol_inv[rows], f.logdet[rows]),
        )
        out.append(with_saved_weights(law, w))
    return tuple(out)


def pack(values: tuple[Divergence | None, ...]) -> dict[str, Any]:
    """One sequence of values as arrays (``present`` marks the generations with a value)."""
    present = [v is not None for v in values]
    rows = [v if v is not None else Divergence(0.0) for v in values]
    return {
        "present": np.array(present, dtype=bool),
        "value": np.array([d.value for d in rows], dtype=np.float64),
        "abs_error": np.array([d.abs_error for d in rows], dtype=np.float64),
        "method": np.array([d.method for d in rows], dtype=str),
        "reason": np.array([d.reason for d in rows], dtype=str),
        "n_samples": np.array([d.n_samples for d in rows], dtype=np.int64),
        "bias": np.array([d.bias for d in rows], dtype=np.float64),
        "kind": np.array([d.kind for d in rows], dtype=str),
        # NaN for "no logarithm" (None): a log of an overflow is never NaN
        "log_value": np.array(
            [np.nan if d.log_value is None else d.log_value for d in rows], dtype=np.float64
        ),
    }


def _log_value(arrays: dict[str, Any], i: int) -> float | None:
    if "log_value" not in arrays:  # format 2
        return None
    v = float(arrays["log_value"][i])
    return None if np.isnan(v) else v


def unpack(z: Any, name: str) -> list[Divergence | None]:
    """The sequence ``name`` of an open archive ``z`` (the inverse of :func:`pack`)."""
    arrays = {k: z[f"{name}_{k}"] for k in (*_FIELDS, "present") if f"{name}_{k}" in z.files}
    out: list[Divergence | None] = []
    for i, here in enumerate(arrays["present"]):
        if not here:
            out.append(None)
            continue
        out.append(
            Divergence(
                float(arrays["value"][i]),
                float(arrays["abs_error"][i]),
                str(arrays["method"][i]),
                str(arrays["reason"][i]),
                int(arrays["n_samples"][i]),
                float(arrays["bias"][i]),
                str(arrays["kind"][i]),
                log_value=_log_value(arrays, i),
            )
        )
    return out
