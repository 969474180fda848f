"""How one generation of the literal protocol is drawn from its learned law (private).

The learned law ``q~`` is an isotropic mixture (a KDE of the training set, or the population
KDE); the generated law is the law at ``t0`` of the reverse SDE with the exact score of ``q~``'s
forward marginals, started from ``N(0, I)`` (``init="standard"``) or from ``q~_T`` (``"exact"``).

Exact sampling (``sampler="exact"``) needs no time steps. With the exact score the reverse SDE
started at ``y`` (time ``T``) has the law of the forward process conditioned on ``X_T = y``
(time reversal). For a component ``N(c, v I)`` of ``q~`` the pair ``(X_t0, X_T)`` is Gaussian:
``X_t0 ~ N(e^{-t0/2} c, v0 I)``, ``v0 = e^{-t0} v + 1 - e^{-t0}``, and ``X_T = a X_t0 + sqrt(b)
Z`` with ``a = e^{-(T - t0)/2}``, ``b = 1 - e^{-(T - t0)}``. So a draw is: the component from its
posterior given ``y`` (weights of ``q~_T`` at ``y``, one Gumbel-max pass), then ``X_t0`` from the
Gaussian conditional, precision ``1/v0 + a^2/b``, mean ``(e^{-t0/2} c / v0 + a y / b) /
precision``. Under exact init this reduces to a draw of ``P_t0 q~``. The endpoint law is exact
for any start (derived in this project; tested against :func:`standard_init_endpoint` and
against Euler–Maruyama as its step shrinks).

Euler–Maruyama (``sampler="em"``): ``n_steps`` steps of ``dY = [Y/2 + score(Y, T - tau)] dtau +
dB`` over ``[0, T - t0]``, drift at the start of each step (as :func:`simulate_reverse`).
"""

from __future__ import annotations

import math
from typing import Any

from ._progress import bar
from ._protocol_kernel import IsoMixture

__all__ = ["SAMPLERS", "generate"]

#: the samplers of ``simulate_protocol(sampler=...)``
SAMPLERS = ("em", "exact")


def _start(learned: IsoMixture, n: int, init: str, T: float) -> Any:
    bk = learned.bk
    if init == "standard":
        return bk.normal((n, learned.dim))
    return learned.at(T).sample(n)


def exact_endpoint(learned: IsoMixture, y: Any, T: float, t0: float) -> Any:
    """Exact draws of ``X_t0`` given ``X_T = y`` under ``learned`` (module docstring)."""
    bk, xp = learned.bk, learned.bk.xp
    idx = learned.at(T).prepared().pick(y)
    c = xp.take(learned.centres, idx, axis=0)
    v0 = math.exp(-t0) * xp.take(learned.variances, idx, axis=0) - math.expm1(-t0)
    a = math.exp(-(T - t0) / 2)
    b = -math.expm1(-(T - t0))
    prec = 1.0 / v0 + a * a / b
    mean = (math.exp(-t0 / 2) * c / v0[:, None] + (a / b) * y) / prec[:, None]
    return mean + bk.normal(tuple(y.shape)) / xp.sqrt(prec)[:, None]


def euler_maruyama(
    learned: IsoMixture, y: Any, T: float, t0: float, n_steps: int, progress: bool | None
) -> Any:
    """``n_steps`` Euler–Maruyama steps of the reverse SDE from ``y`` at time ``T``."""
    bk = learned.bk
    h = (T - t0) / n_steps
    sqrt_h = math.sqrt(h)
    with bar(n_steps, "Euler-Maruyama", progress, "step") as meter:
        for k in range(n_steps):
            s = T - k * h
            drift = learned.at(s).prepared().score(y)
            drift += 0.5 * y
            y = y + h * drift + sqrt_h * bk.normal(tuple(y.shape))
            meter.update()
    return y


def generate(
    learned: IsoMixture,
    n: int,
    *,
    init: str,
    sampler: str,
    T: float,
    t0: float,
    n_steps: int,
    progress: bool | None = None,
) -> Any:
    """``n`` draws of the next generation from the learned law (module docstring)."""
    if sampler == "exact" and init == "exact":
        return learned.at(t0).sample(n)
    y = _start(learned, n, init, T)
    if sampler == "exact":
        return exact_endpoint(learned, y, T, t0)
    return euler_maruyama(learned, y, T, t0, n_steps, progress)
