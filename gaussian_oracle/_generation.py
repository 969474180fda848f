"""Score energy and observability of one generation whose learner is given as a law (private).

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

from ._diffusion import AffineError, Diffusion
from ._divergence import Divergence
from ._laws import Gaussian, GaussianMixture, components, single_gaussian
from ._linear import LinearGaussianOracle
from ._montecarlo import MonteCarloResult, simulate_reverse
from ._operations import ou_transition
from ._score import score
from ._validation import FloatArray

_BOX_SDS = 12.0
_MC_GROUPS = 256
_CUBATURE_BLOCK = 20_000


def _affine_error(q: Gaussian, qt: Gaussian) -> AffineError:
    """The score error between the forward marginals of two Gaussians, as ``W(s) y + xi(s)``."""

    def parts(s: float) -> tuple[FloatArray, FloatArray]:
        a, b = ou_transition(q, s), ou_transition(qt, s)
        pa, pb = np.linalg.inv(a.cov), np.linalg.inv(b.cov)
        return pa - pb, pb @ b.mean - pa @ a.mean

    return AffineError(W=lambda s: parts(s)[0], xi=lambda s: parts(s)[1])


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


def generation_energy_and_eta(
    q: GaussianMixture,
    q_tilde: GaussianMixture,
    diffusion: Diffusion,
    *,
    energy_rng: np.random.Generator,
    eta_rng: np.random.Generator,
    n_samples: int,
    eta_paths: int,
    eta_steps: int,
) -> tuple[Divergence, Divergence]:
    """``(eps_star2, eta)`` of one generation, each with its method, error and kind.

    Each estimate draws from its own generator, so the settings of one never change the other.
    Under the standard init both come from one Monte Carlo run (``eta_rng``).
    """
    if q_tilde == q:
        zero = Divergence(0.0, 0.0, "closed-form", "no score error")
        return zero, zero
    g, gt = single_gaussian(q), single_gaussian(q_tilde)
    if g is not None and gt is not None:
        sol = LinearGaussianOracle(g, diffusion, _affine_error(g, gt)).solve()
        why = "exact linear engine (affine score error between Gaussians)"
        return (
            Divergence(sol.eps_star2, 0.0, "closed-form", why),
            Divergence(sol.eta, 0.0, "closed-form", why),
        )

    def field(y: FloatArray, s: float) -> FloatArray:
        return score(q_tilde, y, s) - score(q, y, s)

    if diffusion.init == "standard":
        mc = simulate_reverse(
            q, diffusion, field, n_paths=eta_paths, n_steps=eta_steps, rng=eta_rng
        )
        why = (
            f"Euler-Maruyama from N(0, I), {eta_paths} paths x {eta_steps} steps; bias is the "
            "Richardson estimate of the discretisation bias"
        )
        energy = Divergence(
            float(mc.eps_star2.value),
            float(mc.eps_star2.se),
            "monte-carlo",
            why,
            eta_paths,
            bias=float(mc.eps_star2.bias),
        )
        return energy, eta_of(mc, why)
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

    mc = simulate_reverse(q, diffusion, field, n_paths=eta_paths, n_steps=eta_steps, rng=eta_rng)
    return energy, eta_of(mc, f"Euler-Maruyama, {eta_paths} paths x {eta_steps} steps")


def eta_of(mc: MonteCarloResult, how: str) -> Divergence:
    """The regression eta of a Monte Carlo run as a labelled value: ``kind`` is "estimate" or
    "lower-bound" (module :mod:`gaussian_oracle._regression`), ``bias`` the Richardson
    estimate of its discretisation bias."""
    return Divergence(
        float(mc.eta.value),
        float(mc.eta.se),
        "regression",
        f"{how}; {mc.eta.note}",
        mc.n_paths,
        bias=float(mc.eta.bias),
        kind=mc.eta.kind,
    )
