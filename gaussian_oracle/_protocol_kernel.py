"""The literal protocol's hot loop: isotropic Gaussian mixtures evaluated on an array backend.

Every law the literal pipeline (:mod:`gaussian_oracle._protocol`) scores or samples is a mixture
of isotropic components ``sum_j w_j N(c_j, v_j I)`` (a KDE of ``N`` points has ``N`` of them, all
of variance ``h^2``), and ``P_s`` keeps that form: ``c_j -> e^{-s/2} c_j``, ``v_j -> e^{-s} v_j +
1 - e^{-s}``. The score of ``n`` query points against ``K`` components is one fused pass per chunk
of queries,

    logits = y C^T - |y|^2 u / 2 + b,   u_j = 1 / v_j,   C = diag(u) c,
    b_j = log w_j - (d / 2) log v_j - |c_j|^2 u_j / 2,
    score = [R C - y (R u)] / (R 1),    R = exp(logits - rowmax),

two matrix products and one exponential per pair (about ``4 d + 4`` FLOP and one ``exp``), with
the chunk sized so that the ``(chunk, K)`` block stays below :data:`BLOCK_BYTES`. Arithmetic is in
``float32`` or ``float64`` (``precision``): in float32 the logits lose about ``1e-7 (|y|^2 +
|c|^2) u`` to cancellation, the softmax sums over ``K`` terms carry ``~1e-7 sqrt(K)`` relative
error, and the returned scores are compared with float64 in the tests and in
``benchmarks/bench_protocol.py`` (``kernel_error``).

Backends through the array API (``array_api_compat``): ``"numpy"`` (default, always
available), ``"torch"`` and ``"cupy"`` when installed (the optional ``[gpu]`` extra). Random
numbers come from the backend's own generator, seeded from the caller's NumPy generator, so a
run is reproducible per backend (not across backends).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from ._errors import OracleDomainError

__all__ = ["BACKENDS", "Backend", "IsoMixture", "get_backend"]

#: the array backends ``simulate_protocol(backend=...)`` accepts
BACKENDS = ("numpy", "torch", "cupy")
#: ``(chunk, K)`` float32 block of one fused pass on the CPU, in bytes (4 MiB: stays in the
#: caches that the exponential and the second product reread; at N = 2,000 blocks of 2 and 4
#: MiB measured equally fast, 16 MiB 1.7x slower)
BLOCK_BYTES = 1 << 22
#: the same on a GPU (1 GiB: large enough to fill the device, small beside its memory)
GPU_BLOCK_BYTES = 1 << 30


@dataclass(frozen=True, eq=False)
class Backend:
    """An array namespace, its device, its float dtype and its random generator."""

    name: str
    xp: Any
    device: Any
    dtype: Any
    gen: Any
    host: np.random.Generator

    @property
    def on_gpu(self) -> bool:
        """Whether the arrays live on a GPU (larger blocks there)."""
        return self.name == "cupy" or (self.name == "torch" and self.device.type != "cpu")

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        return self.xp.asarray(x, dtype=self.dtype if dtype is None else dtype, device=self.device)

    def to_numpy(self, x: Any) -> np.ndarray:
        if self.name == "torch":
            return np.asarray(x.detach().cpu().numpy(), dtype=np.float64)
        if self.name == "cupy":
            return np.asarray(x.get(), dtype=np.float64)
        return np.asarray(x, dtype=np.float64)

    def normal(self, shape: tuple[int, ...]) -> Any:
        if self.name == "torch":
            import torch

            return torch.randn(shape, generator=self.gen, device=self.device, dtype=self.dtype)
        if self.name == "cupy":
            return self.gen.standard_normal(shape, dtype=self.dtype)
        return self.gen.standard_normal(shape, dtype=self.dtype)

    def uniform(self, shape: tuple[int, ...]) -> Any:
        """Uniform draws in the open interval (0, 1) (safe under ``log``)."""
        if self.name == "torch":
            import torch

            u = torch.rand(shape, generator=self.gen, device=self.device, dtype=self.dtype)
        else:
            u = self.gen.random(shape, dtype=self.dtype)
        # 1e-30 and 1 - 2^-23 are representable in float32 and float64 alike
        return self.xp.clip(u, 1e-30, 1.0 - 2.0**-23)


def get_backend(name: str, device: Any, precision: str, rng: np.random.Generator) -> Backend:
    """The backend ``name`` on ``device`` in ``precision``, its generator seeded from ``rng``."""
    if name not in BACKENDS:
        raise OracleDomainError(f"backend={name!r} must be one of {', '.join(BACKENDS)}")
    if precision not in ("float32", "float64"):
        raise OracleDomainError(f"precision={precision!r} must be 'float32' or 'float64'")
    seed = int(rng.integers(0, 2**63 - 1))
    try:
        import array_api_compat
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise OracleDomainError("the array backends need array-api-compat installed") from exc
    if name == "numpy":
        if device not in (None, "cpu"):
            raise OracleDomainError(f"device={device!r}: the numpy backend runs on 'cpu' only")
        xp = array_api_compat.array_namespace(np.zeros(1))
        gen: Any = np.random.default_rng(seed)
        return Backend(name, xp, "cpu", getattr(np, precision), gen, rng)
    try:
        lib = __import__(name)
    except ImportError as exc:
        raise OracleDomainError(
            f"backend={name!r} needs {name} installed (pip install 'diffusion-collapse[gpu]')"
        ) from exc
    if name == "torch":
        dev = lib.device(device or ("cuda" if lib.cuda.is_available() else "cpu"))
        gen = lib.Generator(device=dev)
        gen.manual_seed(seed)
        xp = array_api_compat.array_namespace(lib.zeros(1))
        return Backend(name, xp, dev, getattr(lib, precision), gen, rng)
    dev = lib.cuda.Device(0 if device is None else int(device))  # pragma: no cover - cupy
    dev.use()  # pragma: no cover
    xp = array_api_compat.array_namespace(lib.zeros(1))  # pragma: no cover
    gen = lib.random.default_rng(seed)  # pragma: no cover
    return Backend(name, xp, dev, getattr(lib, precision), gen, rng)  # pragma: no cover


@dataclass(frozen=True, eq=False)
class IsoMixture:
    """``sum_j w_j N(c_j, v_j I)`` held on a backend: log-weights ``(K,)``, centres ``(K, d)``,
    variances ``(K,)`` (all arrays of ``bk``)."""

    bk: Backend
    logw: Any
    centres: Any
    variances: Any

    @staticmethod
    def from_law(law: Any, bk: Backend) -> IsoMixture:
        """A :class:`GaussianMixture` (or Gaussian) whose covariances are multiples of I."""
        from ._law_tools import as_mixture

        mix = as_mixture(law)
        d = mix.dim
        var = np.trace(mix.covs, axis1=1, axis2=2) / d
        off = np.abs(mix.covs - var[:, None, None] * np.eye(d)).max(initial=0.0)
        if off > 1e-12 * float(var.max()):
            raise OracleDomainError(
                "the literal protocol needs isotropic components (covariances v I, as in the "
                f"paper's data); this law's covariances differ from v I by up to {off:.3g}"
            )
        with np.errstate(divide="ignore"):
            logw = np.log(mix.weights)
        return IsoMixture(bk, bk.asarray(logw), bk.asarray(mix.means), bk.asarray(var))

    @staticmethod
    def kde(points: Any, h: float, bk: Backend) -> IsoMixture:
        """The Gaussian KDE ``(1/N) sum_j N(x_j, h^2 I)`` of the rows of ``points``."""
        n = points.shape[0]
        xp = bk.xp
        return IsoMixture(
            bk,
            xp.full((n,), -math.log(n), dtype=bk.dtype, device=bk.device),
            points,
            xp.full((n,), h * h, dtype=bk.dtype, device=bk.device),
        )

    @property
    def dim(self) -> int:
        return int(self.centres.shape[1])

    @property
    def size(self) -> int:
        return int(self.centres.shape[0])

    def at(self, s: float) -> IsoMixture:
        """The forward marginal ``P_s`` of this mixture."""
        if s == 0.0:
            return self
        decay = math.exp(-s)
        return IsoMixture(
            self.bk,
            self.logw,
            math.sqrt(decay) * self.centres,
            decay * self.variances - math.expm1(-s),
        )

    @staticmethod
    def mix(alpha: float, p: IsoMixture, q: IsoMixture) -> IsoMixture:
        """``alpha p + (1 - alpha) q`` (a part of zero weight is dropped)."""
        if alpha >= 1.0:
            return p
        if alpha <= 0.0:
            return q
        xp = p.bk.xp
        return IsoMixture(
            p.bk,
            xp.concat([p.logw + math.log(alpha), q.logw + math.log1p(-alpha)]),
            xp.concat([p.centres, q.centres]),
            xp.concat([p.variances, q.variances]),
        )

    def components(self, n: int) -> Any:
        """``n`` component indices drawn from the weights (on the backend)."""
        w = np.exp(self.bk.to_numpy(self.logw))
        idx = self.bk.host.choice(self.size, size=n, p=w / w.sum())
        return self.bk.xp.asarray(idx, device=self.bk.device)

    def sample(self, n: int) -> Any:
        """``n`` exact draws, on the backend."""
        xp = self.bk.xp
        idx = self.components(n)
        sd = xp.sqrt(xp.take(self.variances, idx, axis=0))
        return xp.take(self.centres, idx, axis=0) + sd[:, None] * self.bk.normal((n, self.dim))

    def prepared(self) -> Prepared:
        """Factors for the fused passes (module docstring), augmented so that one product
        gives the logits and one gives the score's numerator, ``R u`` and ``R 1``."""
        xp, bk = self.bk.xp, self.bk
        u = 1.0 / self.variances
        b = (
            self.logw
            - 0.5 * self.dim * xp.log(self.variances)
            - 0.5 * u * xp.sum(self.centres * self.centres, axis=1)
        )
        C = self.centres * u[:, None]
        block = GPU_BLOCK_BYTES if bk.on_gpu else BLOCK_BYTES
        return Prepared(
            bk,
            xp.concat([C, b[:, None], u[:, None]], axis=1),
            xp.concat([C, u[:, None], xp.ones_like(u)[:, None]], axis=1),
            max(1, block // (4 * self.size)),
        )


def _exp_inplace(bk: Backend, x: Any) -> Any:
    if bk.name == "numpy":
        return np.exp(x, out=x)
    if bk.name == "torch":
        return x.exp_()
    return bk.xp.exp(x)  # pragma: no cover - cupy


@dataclass(frozen=True, eq=False)
class Prepared:
    """A mixture's factors on the backend, ready for the fused passes."""

    bk: Backend
    A: Any  # (K, d + 2): [C, b, u], so [y, 1, -|y|^2 / 2] A^T are the logits
    B: Any  # (K, d + 2): [C, u, 1], so R B = [R C, R u, R 1]
    chunk: int

    def logits(self, y: Any) -> Any:
        xp = self.bk.xp
        n = y.shape[0]
        one = xp.ones((n, 1), dtype=y.dtype, device=self.bk.device)
        half_sq = -0.5 * xp.sum(y * y, axis=1, keepdims=True)
        return xp.concat([y, one, half_sq], axis=1) @ self.A.T

    def _score_chunk(self, y: Any) -> Any:
        xp = self.bk.xp
        d = y.shape[1]
        lg = self.logits(y)
        lg -= xp.max(lg, axis=1, keepdims=True)
        o = _exp_inplace(self.bk, lg) @ self.B
        return (o[:, :d] - y * o[:, d : d + 1]) / o[:, d + 1 :]

    def _pick_chunk(self, y: Any) -> Any:
        xp = self.bk.xp
        g = self.logits(y)
        g -= xp.log(-xp.log(self.bk.uniform(g.shape)))  # Gumbel-max
        return xp.argmax(g, axis=1)

    def _map(self, f: Callable[[Any], Any], y: Any, threads: bool = True) -> Any:
        xp = self.bk.xp
        parts = [y[i : i + self.chunk, ...] for i in range(0, y.shape[0], self.chunk)]
        if threads and self.bk.name == "numpy" and len(parts) > 1:
            # numpy's exp runs on one core: the chunks go to threads (the GIL is released)
            # with one BLAS thread each
            with _controller().limit(limits=1):
                out = list(_pool().map(f, parts))
        else:
            out = [f(p) for p in parts]
        return xp.concat(out, axis=0) if len(out) > 1 else out[0]

    def score(self, y: Any) -> Any:
        """The mixture's score at the rows of ``y`` (chunked fused passes)."""
        return self._map(self._score_chunk, y)

    def pick(self, y: Any) -> Any:
        """One component per row of ``y``, drawn from its posterior (Gumbel-max; indices).

        The Gumbel draws come from the backend's generator, one per pair, chunk by chunk in
        order on one thread (the generator is shared: so the draws keep their order and runs
        are reproducible).
        """
        return self._map(self._pick_chunk, y, threads=False)


@cache
def _controller() -> ThreadpoolController:
    """The BLAS controls, found once (``threadpool_limits`` rescans the loaded libraries at
    every call: a third of an Euler–Maruyama step at N = 2,000)."""
    return ThreadpoolController()


@cache
def _pool() -> ThreadPoolExecutor:
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return ThreadPoolExecutor(max_workers=max(1, workers or 1), thread_name_prefix="kde")
