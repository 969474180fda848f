"""The law-map engine: a model that learned the law ``q~`` exactly, under exact init.

Under exact init the ideal reverse process has the forward marginals ``q_s = P_s q`` and the
learned score is the exact score of ``q~_s = P_s q~``, so the score error is
``e(x, s) = grad log q~_s(x) - grad log q_s(x)`` and (THEORY.md §3, §6)

    eps_star2 = int_{t0}^{T} E_{x ~ q_s} |e(x, s)|^2 ds.

Routes, most exact first:

* ``q~ = q``: zero error, ``eps_star2 = 0`` and ``eta = 0`` by definition;
* ``q`` and ``q~`` both Gaussian: ``e`` is affine in ``x`` (difference of two linear scores), so
  the exact linear engine (:class:`LinearGaussianOracle`) gives ``eps_star2`` and ``eta``;
* dimension 1–2: adaptive cubature over ``(s, x)`` for ``eps_star2`` (error estimate);
* otherwise Monte Carlo: ``s`` uniform on ``[t0, T]``, ``x ~ q_s``, one standard error.

``eta`` outside the exact route comes from the Monte Carlo regression of
:func:`simulate_reverse`, labelled by what it is (``kind``): a consistent "estimate" in
dimension 1 (growing spline basis, when it has settled), a "lower-bound" otherwise
(quadratic features cannot represent ``E[M | Y_end]`` for mixtures); its ``bias`` is the
Richardson estimate of the Euler–Maruyama bias.

Under the standard init the ideal process starts at ``N(0, I)`` and its marginals are no longer
``q_s``: the exact linear engine still applies to two Gaussians (it solves the moments from the
chosen start); otherwise both quantities come from :func:`simulate_reverse` started at
``N(0, I)`` (Euler–Maruyama, with the Richardson estimate of the discretisation bias).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.integrate import cubature
from scipy.special import logsumexp

from ._diffusion import Diffusion
from ._divergence import Divergence, chi2, kl
from ._engine_montecarlo import eta_of
from ._law_tools import as_mixture, components
from ._laws import GaussianMixture
from ._montecarlo import simulate_reverse
from ._operations import ou_transition
from ._score import score
from ._score_errors import ScoreDifference
from ._solution import GenerationSolution
from ._validation import FloatArray

__all__ = ["LawMapEngine"]

_BOX_SDS = 12.0
_MC_GROUPS = 256
_CUBATURE_BLOCK = 20_000


def _sq_error(q: GaussianMixture, qt: GaussianMixture, x: FloatArray, s: float) -> FloatArray:
    diff = score(qt, x, s) - score(q, x, s)
    return np.einsum("ni,ni->n", diff, diff)


def _marginal_at(
    law: GaussianMixture, x: FloatArray, s: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Log-density and score of ``P_{s_n} law`` at ``x_n``, each point with its own time.

    Vectorised over points and components (``(n, K, d, d)`` work arrays: meant for the low
    dimensions of the cubature route, where the per-time loop was the cost).
    """
    w, m, c, _ = components(law)
    d = m.shape[1]
    decay = np.exp(-s)[:, None, None, None]
    covs = decay * c[None] + (-np.expm1(-s))[:, None, None, None] * np.eye(d)
    diff = x[:, None, :] - np.exp(-0.5 * s)[:, None, None] * m[None]
    chol = np.linalg.cholesky(covs)
    sol = np.linalg.solve(covs, diff[..., None])[..., 0]
    logdet = 2.0 * np.sum(np.log(np.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
    with np.errstate(divide="ignore"):
        logn = np.log(w)[None] - 0.5 * (
            np.einsum("nki,nki->nk", diff, sol) + logdet + d * np.log(2.0 * np.pi)
        )
    logp = logsumexp(logn, axis=1)
    resp = np.exp(logn - logp[:, None])
    return logp, -np.einsum("nk,nki->ni", resp, sol)


def _energy(
    q: GaussianMixture,
    q_tilde: GaussianMixture,
    diffusion: Diffusion,
    energy_rng: np.random.Generator,
    n_samples: int,
) -> Divergence:
    """``eps_star2``: cubature in dimension 1–2, Monte Carlo above."""
    d = q.dim
    lo_t, hi_t = diffusion.t0, diffusion.T
    if d <= 2:
        sds, centres = [], []
        for law in (q, q_tilde):
            for t in (lo_t, hi_t):
                _, m, c, _ = components(ou_transition(law, t))
                centres.append(m)
                sds.append(np.sqrt(np.diagonal(c, axis1=1, axis2=2)))
        cen, sd = np.concatenate(centres), np.concatenate(sds)
        lo = np.min(cen - _BOX_SDS * sd, axis=0)
        hi = np.max(cen + _BOX_SDS * sd, axis=0)

        def f(z: FloatArray) -> FloatArray:
            out = np.empty(len(z))
            for a in range(0, len(z), _CUBATURE_BLOCK):  # bounded (n, K, d, d) work arrays
                s, x = z[a : a + _CUBATURE_BLOCK, 0], z[a : a + _CUBATURE_BLOCK, 1:]
                logp, sq = _marginal_at(q, x, s)
                _, sqt = _marginal_at(q_tilde, x, s)
                gap = sqt - sq
                out[a : a + _CUBATURE_BLOCK] = np.exp(logp) * np.einsum("ni,ni->n", gap, gap)
            return out

        res: Any = cubature(
            f,
            np.concatenate([[lo_t], lo]),
            np.concatenate([[hi_t], hi]),
            rule="gk21",
            rtol=1e-8,
            atol=1e-14,
        )
        note = "" if res.status == "converged" else "cubature did not reach its tolerance"
        energy = Divergence(float(res.estimate), float(res.error), "quadrature", note)
    else:
        # groups j = 1..m: s_j ~ U[t0, T], then n/m points x ~ q_{s_j}; the group means are
        # i.i.d. with mean eps_star2 / (T - t0), so their spread gives the standard error
        n_groups = _MC_GROUPS
        per = max(2, n_samples // n_groups)
        means = np.empty(n_groups)
        for j, s in enumerate(energy_rng.uniform(lo_t, hi_t, n_groups)):
            x = ou_transition(q, float(s)).sample(per, energy_rng)
            means[j] = float(np.mean(_sq_error(q, q_tilde, x, float(s))))
        width = hi_t - lo_t
        energy = Divergence(
            width * float(np.mean(means)),
            width * float(np.std(means, ddof=1) / np.sqrt(n_groups)),
            "monte-carlo",
            "",
            n_groups * per,
        )

    return energy


class LawMapEngine:
    """The error of a learned law (:class:`ScoreDifference`) under exact init: the learned
    endpoint is ``P_{t0} q~`` exactly; ``eps_star2`` by cubature (d <= 2) or Monte Carlo, eta
    by the Monte Carlo regression (labelled estimate or lower bound)."""

    name = "law-map"
    exact = False
    weak_order: float | None = None  # the laws are exact; eta carries its own bias estimate

    def supports(
        self, data: Any, error: Any, diffusion: Diffusion, *, scale: float = 1.0
    ) -> str | None:
        if not isinstance(error, ScoreDifference):
            return "the error is not the score difference of a learned law"
        if diffusion.init != "exact":
            return "under the standard init a mixture's endpoint is not a Gaussian mixture"
        if scale != 1.0:
            return f"scale={scale!r}: a scaled score difference is not the score of a law"
        if as_mixture(data) != error.q:
            return "the error's true law is not the data"
        return None

    def solve(
        self,
        data: Any,
        error: Any,
        diffusion: Diffusion,
        *,
        compute: frozenset[str],
        streams: Any,
        settings: Any,
        **_: Any,
    ) -> GenerationSolution:
        q, q_tilde = error.q, error.q_tilde
        energy = (
            _energy(q, q_tilde, diffusion, streams.energy, settings.n_samples)
            if "eps_star2" in compute
            else None
        )
        eta = None
        if "eta" in compute:
            paths, steps = settings.eta_paths, settings.eta_steps
            mc = simulate_reverse(
                q,
                diffusion,
                error,
                n_paths=paths,
                n_steps=steps,
                rng=streams.eta,
                progress=settings.progress,
            )
            eta = eta_of(mc, f"Euler-Maruyama, {paths} paths x {steps} steps")
        learned, ideal = ou_transition(q_tilde, diffusion.t0), ou_transition(q, diffusion.t0)
        divergences = "divergences" in compute
        return GenerationSolution(
            "law-map",
            energy,
            eta,
            chi2=chi2(learned, ideal, rng=streams.energy) if divergences else None,
            kl=kl(learned, ideal, rng=streams.energy) if divergences else None,
            learned_endpoint=learned,
            ideal_endpoint=ideal,
        )
