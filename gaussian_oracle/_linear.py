"""Exact single-generation engine: Gaussian data, affine score error (THEORY.md §1, §3, §6).

With data ``N(m, S)`` the forward marginals are ``q_s = N(m_s, S_s)``, ``m_s = e^{-s/2} m``,
``S_s = e^{-s} S + (1 - e^{-s}) I``, and the reverse drift is affine,
``F(tau) y + f(tau)`` with ``F = I/2 - S_s^{-1}``, ``f = S_s^{-1} m_s``, ``s = T - tau``.
An affine error ``e = W y + xi`` scaled by ``eps`` keeps every law Gaussian, so the engine
integrates, in reverse time ``tau in [0, T - t0]``, one linear ODE system for

* the ideal moments ``mu*, Sigma*``;
* the learned-minus-ideal moments ``dmu = mu - mu*``, ``dSigma = Sigma - Sigma*`` (integrated
  as differences so that tiny errors keep their relative accuracy)::

      dmu'    = (F + eps W) dmu + eps (W mu* + xi)
      dSigma' = (F + eps W) dSigma + dSigma (F + eps W)^T + eps (W Sigma* + Sigma* W^T)

* the sensitivities at ``eps = 0`` (THEORY.md §6, Fisher-ratio formula)::

      nu'  = F nu + W mu* + xi,     Psi' = F Psi + Psi F^T + W Sigma* + Sigma* W^T

* the energies ``int |W mu + xi|^2 + tr(W Sigma W^T) dtau`` along the ideal moments (unit
  scale; ``eps_star2`` is ``eps^2`` times it) and along the learned ones (``eps_hat2``).

How accurately: ``scipy.integrate.solve_ivp`` with the 8th-order Dormand–Prince method
(DOP853), ``rtol = 1e-12`` and absolute tolerances scaled per block (1e-14 for O(1) moments,
``1e-14 eps`` for the differences, ``1e-14 eps^2`` for the learned energy); ``S_s^{-1}`` is
exact through one eigendecomposition of ``S``. Tests confirm 1e-9 relative against closed forms
(SymPy in 1-D, the forward marginals under exact init) and against a tighter re-solve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from ._diffusion import Diffusion
from ._divergence import Divergence, chi2, kl
from ._errors import OracleDomainError, OracleShapeError
from ._laws import Gaussian
from ._operations import ou_transition
from ._score_errors import AffineError
from ._validation import FloatArray, check_scalar

__all__ = ["LinearGaussianOracle", "LinearSolution"]

RTOL = 1e-12
ATOL = 1e-14
#: largest |W|, |xi| (times the data's scale) accepted: energies ~ |xi|^2 (T - t0) and the
#: moments grow like exp(|W| T), so 1e100 keeps every squared quantity inside float64
_ERROR_LIMIT = 1e100


@dataclass(frozen=True, slots=True)
class LinearSolution:
    """Every quantity of one generation of the linear-Gaussian oracle (names of THEORY.md).

    Attributes
    ----------
    scale : float
        Multiplier of the error field (``eps``).
    learned_endpoint, ideal_endpoint : Gaussian
        Laws at the end (forward time ``t0``) of the learned and the ideal reverse processes.
    training_law : Gaussian
        ``P_{t0}`` of the data: the early-stopped law the model is trained to produce.
    eps_star2, eps_hat2 : float
        Score energy along the ideal and the learned path (THEORY.md §3).
    path_kl : float
        ``KL(P_hat || P*) = eps_hat2 / 2`` (both processes start from the same law).
    endpoint_fisher : float
        Fisher information at 0 of the endpoint family ``eps -> p_hat_eps``, times ``scale^2``:
        equals ``eta * eps_star2`` (THEORY.md §6).
    eta : float
        Observability, ``endpoint_fisher / eps_star2`` in [0, 1] (0 when ``eps_star2 = 0``).
    chi2, kl : Divergence
        Learned endpoint against the **ideal endpoint** (what Prop. 3.1–Thm. 3.4 bound).
    chi2_training, kl_training : Divergence
        Learned endpoint against the **training law** ``P_{t0} data``.
    ideal_training_kl : Divergence
        Gap ``KL(ideal endpoint || training law)``: zero under exact init, the initial mismatch
        carried to the end under standard init.
    n_rhs : int
        Right-hand-side evaluations of the ODE solver.
    """

    scale: float
    learned_endpoint: Gaussian
    ideal_endpoint: Gaussian
    training_law: Gaussian
    eps_star2: float
    eps_hat2: float
    path_kl: float
    endpoint_fisher: float
    eta: float
    chi2: Divergence
    kl: Divergence
    chi2_training: Divergence
    kl_training: Divergence
    ideal_training_kl: Divergence
    n_rhs: int


class LinearGaussianOracle:
    """Exact one-generation oracle for Gaussian data and an affine score error.

    Parameters
    ----------
    data : Gaussian
        The law being learned (``q_i`` in the recursion).
    diffusion : Diffusion
        Horizon, early stopping and initialisation.
    error : AffineError
        Score error ``e(y, s) = W(s) y + xi(s)`` (learned minus true score).

    Examples
    --------
    >>> oracle = LinearGaussianOracle(Gaussian(0.0, 0.5), Diffusion(init="exact"),
    ...                               AffineError(xi=0.1))
    >>> sol = oracle.solve()
    >>> bool(sol.kl.value <= sol.path_kl), bool(0.0 <= sol.eta <= 1.0)
    (True, True)
    >>> round(oracle.solve(scale=0.5).eta / sol.eta, 12)    # eta does not depend on the scale
    1.0
    """

    def __init__(self, data: Gaussian, diffusion: Diffusion, error: AffineError) -> None:
        if not isinstance(data, Gaussian):
            raise OracleDomainError(
                f"data={data!r} must be a Gaussian (mixtures: use simulate_reverse)"
            )
        if not isinstance(diffusion, Diffusion):
            raise OracleDomainError(f"diffusion={diffusion!r} must be a Diffusion")
        if not isinstance(error, AffineError):
            raise OracleDomainError(f"error={error!r} must be an AffineError")
        d = data.dim
        if error.dim is not None and error.dim != d:
            raise OracleShapeError(f"error has dimension {error.dim} but data has dimension {d}")
        for s in (diffusion.T, diffusion.t0):  # validates callables' shapes now, not mid-solve
            w, xi = error.at(s, d)
            size = max(float(np.max(np.abs(w))), float(np.max(np.abs(xi))))
            scale = max(1.0, float(np.max(np.abs(data.mean))), float(np.max(data.cov)) ** 0.5)
            if size * scale > _ERROR_LIMIT:
                raise OracleDomainError(
                    f"error: W(s), xi(s) of size {size:.3g} at s={s!r} make the score energy "
                    f"exceed the float64 range; the engine accepts |W|, |xi| times the data's "
                    f"scale up to {_ERROR_LIMIT:g}"
                )
        self.data, self.diffusion, self.error = data, diffusion, error
        lam, vec = np.linalg.eigh(data.cov)
        self._lam, self._vec = lam, vec

    def _drift(self, s: float) -> tuple[FloatArray, FloatArray]:
        """``F = I/2 - S_s^{-1}`` and ``f = S_s^{-1} m_s`` at forward time ``s``."""
        decay = np.exp(-s)
        lam_s = decay * self._lam - np.expm1(-s)
        prec = (self._vec / lam_s) @ self._vec.T
        m_s = np.exp(-0.5 * s) * self.data.mean
        big_f = 0.5 * np.eye(self.data.dim) - prec
        return big_f, prec @ m_s

    def _initial(self) -> tuple[FloatArray, FloatArray]:
        d = self.data.dim
        if self.diffusion.init == "standard":
            return np.zeros(d), np.eye(d)
        start = ou_transition(self.data, self.diffusion.T)
        return np.array(start.mean), np.array(start.cov)

    def solve(self, scale: float = 1.0, *, rtol: float = RTOL) -> LinearSolution:
        """Solve the moment, sensitivity and energy equations for the error times ``scale``.

        Parameters
        ----------
        scale : float, >= 0
            Error multiplier ``eps``.
        rtol : float, in [3e-14, 1e-6]
            Relative tolerance of the ODE solver (absolute tolerances scale with it).

        Returns
        -------
        LinearSolution
        """
        eps = check_scalar("scale", scale, low=0.0)
        rtol = check_scalar("rtol", rtol, low=3e-14, high=1e-6)  # solve_ivp floor: 100 ulps
        d = self.data.dim
        dd = d * d
        T = self.diffusion.T
        sizes = [d, dd, d, dd, d, dd, 1, 1]
        cuts = np.cumsum(sizes)[:-1]
        atol_scale = ATOL * rtol / RTOL
        atol = np.concatenate(
            [
                np.full(d + dd, atol_scale),
                np.full(d + dd, atol_scale * max(eps, 1e-300)),
                np.full(d + dd, atol_scale),
                [atol_scale, atol_scale * max(eps * eps, 1e-300)],
            ]
        )
        eye = np.eye(d)

        def rhs(tau: float, z: FloatArray) -> FloatArray:
            s = T - tau
            mu, sig, dmu, dsig, nu, psi, _, _ = np.split(z, cuts)
            sig, dsig, psi = sig.reshape(d, d), dsig.reshape(d, d), psi.reshape(d, d)
            big_f, f = self._drift(s)
            w, xi = self.error.at(s, d)
            fe = big_f + eps * w
            wmx = w @ mu + xi
            wsig = w @ sig
            mu_l, sig_l = mu + dmu, sig + dsig
            we_mu = eps * (w @ mu_l + xi)
            out = [
                big_f @ mu + f,
                (big_f @ sig + sig @ big_f.T + eye).ravel(),
                fe @ dmu + eps * wmx,
                (fe @ dsig + dsig @ fe.T + eps * (wsig + wsig.T)).ravel(),
                big_f @ nu + wmx,
                (big_f @ psi + psi @ big_f.T + wsig + wsig.T).ravel(),
                np.array([wmx @ wmx + np.sum(wsig * w)]),  # |W mu + xi|^2 + tr(W Sig W^T)
                np.array([we_mu @ we_mu + eps * eps * np.sum((w @ sig_l) * w)]),
            ]
            return np.concatenate(out)

        mu0, sig0 = self._initial()
        z0 = np.concatenate([mu0, sig0.ravel(), np.zeros(d + dd), np.zeros(d + dd), [0.0, 0.0]])
        # errors below the accepted limit keep every quantity in range; anything the solver
        # still cannot integrate is reported as one ArithmeticError, not as warnings
        with np.errstate(over="ignore", invalid="ignore"):
            sol = solve_ivp(
                rhs, (0.0, self.diffusion.horizon), z0, method="DOP853", rtol=rtol, atol=atol
            )
        if not sol.success or not np.all(np.isfinite(sol.y[:, -1])):
            raise ArithmeticError(
                f"ODE solver failed: {sol.message} (the moments or energies left the float64 "
                "range: scale the error down)"
            )
        mu, sig, dmu, dsig, nu, psi, e_star, e_hat = np.split(sol.y[:, -1], cuts)
        sym = lambda a: 0.5 * (a.reshape(d, d) + a.reshape(d, d).T)  # noqa: E731
        sig, dsig, psi = sym(sig), sym(dsig), sym(psi)
        ideal = Gaussian(mu, sig)
        learned = Gaussian(mu + dmu, sig + dsig)
        training = ou_transition(self.data, self.diffusion.t0)
        prec_nu = np.linalg.solve(sig, nu)
        prec_psi = np.linalg.solve(sig, psi)
        fisher_unit = float(nu @ prec_nu + 0.5 * np.sum(prec_psi * prec_psi.T))
        e_star_unit = float(e_star[0])
        eta = fisher_unit / e_star_unit if e_star_unit > 0.0 else 0.0
        eps_hat2 = float(e_hat[0])
        return LinearSolution(
            scale=eps,
            learned_endpoint=learned,
            ideal_endpoint=ideal,
            training_law=training,
            eps_star2=eps * eps * e_star_unit,
            eps_hat2=eps_hat2,
            path_kl=0.5 * eps_hat2,
            endpoint_fisher=eps * eps * fisher_unit,
            # eta lies in [0, 1]; ODE round-off (~1e-12) may push it just outside: clip that,
            # but leave anything further out visible (it would be a bug, not round-off)
            eta=float(np.clip(eta, 0.0, 1.0)) if abs(eta - np.clip(eta, 0, 1)) < 1e-9 else eta,
            chi2=chi2(learned, ideal),
            kl=kl(learned, ideal),
            chi2_training=chi2(learned, training),
            kl_training=kl(learned, training),
            ideal_training_kl=kl(ideal, training),
            n_rhs=int(sol.nfev),
        )
