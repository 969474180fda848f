"""The paper's per-generation estimators on the literal protocol (private).

``eps_star2``: the score energy along the ideal reverse paths of the training law, by Monte Carlo
over :data:`ESTIMATOR_TIMES` time points (Euler–Maruyama on that grid), ``eps_star^2 = E int |e|^2
dtau`` with ``e`` the learned (KDE) score minus the training law's. ``eta``: the fraction of
``Var M`` of the Girsanov martingale ``M = int e . dB`` explained by a least-squares regression on
quadratic features of the endpoint (:func:`gaussian_oracle._regression.explained`). For mixture
data that family cannot represent ``E[M | Y_end]``, so this eta is a **lower bound** on the
observability (THEORY.md §6), and it is labelled so.

The training law's score. The literal pipeline knows its training law ``q_i = alpha p + (1 -
alpha) p_hat_i`` only through samples; the reference used here is ``alpha p + (1 - alpha) P_t0
q~_{i-1}``, the previous generation's learned law transported exactly. It is the run's exact
training law when init and sampling are exact; otherwise it leaves out generation ``i - 1``'s
init and discretisation errors (the gap decomposition measures those). Labelled in every result.
"""

from __future__ import annotations

import math

import numpy as np

from ._protocol_kernel import IsoMixture
from ._regression import explained, quadratic_features

__all__ = ["ESTIMATOR_TIMES", "LABEL", "paper_estimators", "reference_law"]

#: time points of the paper's estimators
ESTIMATOR_TIMES = 50
#: what the estimators are, stated with every result
LABEL = (
    "the paper's estimators: eps_star2 by Monte Carlo over 50 time points of the ideal reverse "
    "paths; eta by quadratic regression of the Girsanov martingale on the endpoint (a lower "
    "bound for mixture data, THEORY.md §6); reference score: the training law with the previous "
    "generation transported exactly (exact when init and sampling are exact)"
)


def paper_estimators(
    learned: IsoMixture,
    reference: IsoMixture,
    *,
    n_paths: int,
    init: str,
    T: float,
    t0: float,
) -> tuple[float, float, float, float]:
    """``(eps_star2, its se, eta, its se)`` for one generation (module docstring)."""
    bk = learned.bk
    d = learned.dim
    y = bk.normal((n_paths, d)) if init == "standard" else reference.at(T).sample(n_paths)
    h = (T - t0) / ESTIMATOR_TIMES
    sqrt_h = math.sqrt(h)
    qv = np.zeros(n_paths)
    m = np.zeros(n_paths)
    for k in range(ESTIMATOR_TIMES):
        s = T - k * h
        ref = reference.at(s).prepared().score(y)
        e = learned.at(s).prepared().score(y) - ref
        db = sqrt_h * bk.normal((n_paths, d))
        e_host = bk.to_numpy(e)
        qv += h * np.sum(e_host * e_host, axis=1)  # float64 accumulation
        m += np.sum(e_host * bk.to_numpy(db), axis=1)
        y = y + h * (0.5 * y + ref) + db
    fit = explained(m, quadratic_features(bk.to_numpy(y)))
    eps = float(np.mean(qv))
    eps_se = float(np.std(qv, ddof=1) / math.sqrt(n_paths))
    return eps, eps_se, fit.value, fit.se


def reference_law(
    data: IsoMixture, alpha: float, previous: IsoMixture | None, p_hat_0: IsoMixture, t0: float
) -> IsoMixture:
    """The training law the estimators score against (module docstring)."""
    synthetic = p_hat_0 if previous is None else previous.at(t0)
    return IsoMixture.mix(alpha, data, synthetic)
