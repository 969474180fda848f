"""Exact draws from, and affine images of, grid densities (THEORY.md §6b).

A grid law stands for the trigonometric interpolant of its values (the band-limited density
the spectral solver works with). Sampled learners on a grid law (``FiniteSampleKDE``,
``FiniteSampleRefit``) need draws of that density, not of a histogram (whose covariance is
larger by ``h^2 / 12`` per axis): :func:`sample_grid` inverts its distribution function, which
is a trigonometric series too, by a bracketed Newton iteration; in 2-D the first coordinate
from the marginal, the second from the conditional density at it (the interpolant of the row
of values interpolated to the first coordinate). Uniforms in, draws out: the same uniforms
give draws on two grids of the same law that differ by the grids' discretisation only (the
common random numbers of the coarse/fine error rule). :func:`trig_eval` evaluates the
interpolant anywhere in the box; :func:`affine_image` is the density of ``A x + b``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._errors import OracleDomainError
from ._grid import Box
from ._validation import FloatArray

__all__ = ["affine_image", "sample_grid", "trig_eval"]

#: points per block of the direct trigonometric sums (memory: block x grid size complex)
_BLOCK = 2048


def _coefficients(values: FloatArray, axis: int) -> Any:
    """Fourier coefficients along ``axis``, the Nyquist one split evenly between ``+-N/2``
    (so that the interpolant is real off the grid): returned with the wave numbers' index."""
    m = values.shape[axis]
    hat = np.fft.fft(values, axis=axis) / m
    idx = [slice(None)] * values.ndim
    idx[axis] = m // 2
    hat[tuple(idx)] *= 0.5
    return hat


def _modes(box: Box, axis: int) -> FloatArray:
    m = box.n[axis]
    return np.asarray(2.0 * np.pi * np.fft.fftfreq(m, d=float(box.spacing[axis])), dtype=np.float64)


def _row_values(box: Box, values: FloatArray, x: FloatArray) -> FloatArray:
    """The interpolant along axis 0 at ``x`` (shape (n,)), every other axis kept: (n, ...)."""
    hat = _coefficients(values, 0)
    k = _modes(box, 0)
    nyq = np.zeros(k.size, dtype=bool)
    nyq[box.n[0] // 2] = True
    out = []
    for lo in range(0, x.size, _BLOCK):
        t = x[lo : lo + _BLOCK, None] - box.lower[0]
        phase = np.exp(1j * k[None, :] * t)
        phase = np.where(nyq[None, :], 2.0 * np.cos(k[None, :] * t), phase)  # +-N/2 together
        out.append(np.real(np.tensordot(phase, hat, axes=(1, 0))))
    return np.concatenate(out, axis=0)


def trig_eval(box: Box, values: Any, pts: Any) -> FloatArray:
    """The trigonometric interpolant of grid ``values`` at ``pts`` (n, d); 0 outside the box.

    Examples
    --------
    >>> b = Box([-8.0], [8.0], [64])
    >>> f = np.exp(-0.5 * b.axes[0] ** 2)
    >>> x = np.array([[0.1234]])
    >>> bool(abs(trig_eval(b, f, x)[0] - np.exp(-0.5 * 0.1234**2)) < 1e-12)
    True
    """
    v = np.asarray(values, dtype=np.float64)
    x = np.asarray(pts, dtype=np.float64)
    inside = np.all((x >= box.lower) & (x < box.upper), axis=1)
    out = np.zeros(x.shape[0])
    xs = x[inside]
    if xs.size == 0:
        return out
    rows = _row_values(box, v, xs[:, 0])  # (n, *rest)
    if box.dim == 2:
        hat = _coefficients(rows, 1)
        k = _modes(box, 1)
        t = xs[:, 1:2] - box.lower[1]
        phase = np.exp(1j * k[None, :] * t)
        phase[:, box.n[1] // 2] = 2.0 * np.cos(k[box.n[1] // 2] * t[:, 0])
        rows = np.real(np.sum(phase * hat, axis=1))
    out[inside] = rows
    return out


def _inverse_cdf(h: float, lower: float, rows: FloatArray, u: FloatArray) -> FloatArray:
    """For each row (a 1-D grid density on ``lower + h j``, j < m) the point where the
    interpolant's distribution function reaches ``u`` times its mass (``u`` in [0, 1))."""
    m = rows.shape[1]
    hat = _coefficients(rows, 1)  # (n, m)
    k = 2.0 * np.pi * np.fft.fftfreq(m, d=h)
    k_safe = np.where(k == 0.0, 1.0, k)
    nyq = np.zeros(m, dtype=bool)
    nyq[m // 2] = True
    mass = np.real(hat[:, 0]) * m * h

    def cdf_pdf(x: FloatArray) -> tuple[FloatArray, FloatArray]:
        t = (x - lower)[:, None]
        e = np.exp(1j * k[None, :] * t)
        cos2 = 2.0 * np.cos(k[None, :] * t)
        sin2 = 2.0 * np.sin(k[None, :] * t) / k_safe[None, :]
        f_terms = np.where(nyq[None, :], cos2, e) * hat
        F_terms = np.where(nyq[None, :], sin2, (e - 1.0) / (1j * k_safe[None, :])) * hat
        F_terms[:, 0] = hat[:, 0] * t[:, 0]
        return np.real(np.sum(F_terms, axis=1)), np.real(np.sum(f_terms, axis=1))

    target = u * mass
    # bracket: the distribution function at the grid points (the Nyquist term vanishes
    # there), made monotone against round-off
    g_hat = np.where(nyq | (k == 0.0), 0.0, 1.0)[None, :] * hat / (1j * k_safe[None, :])
    j = np.arange(m)[None, :]
    exact = np.real(
        hat[:, :1] * (j * h) + m * np.fft.ifft(g_hat, axis=1) - g_hat.sum(axis=1)[:, None]
    )
    mono = np.maximum.accumulate(exact, axis=1)
    cell = np.clip(np.sum(mono <= target[:, None], axis=1) - 1, 0, m - 1)
    a = lower + cell * h
    b = a + h
    x = a + 0.5 * h
    for _ in range(60):
        F, f = cdf_pdf(x)
        g = F - target
        a = np.where(g < 0.0, x, a)
        b = np.where(g >= 0.0, x, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = x - g / f
        bad = ~np.isfinite(step) | (step <= a) | (step >= b)
        new = np.where(bad, 0.5 * (a + b), step)
        if np.all(np.abs(new - x) <= 1e-14 * h * m):
            return new
        x = new
    return x


def sample_grid(box: Box, values: Any, u: Any) -> FloatArray:
    """Draws of the interpolant of the (non-negative) grid density ``values`` from uniforms
    ``u`` of shape ``(n, d)`` (module docstring).

    Examples
    --------
    >>> from scipy.stats import norm
    >>> b = Box([-9.0], [9.0], [96])
    >>> f = norm.pdf(b.axes[0])
    >>> x = sample_grid(b, f, np.array([[0.975]]))
    >>> bool(abs(x[0, 0] - norm.ppf(0.975)) < 1e-10)
    True
    """
    v = np.asarray(values, dtype=np.float64)
    w = np.asarray(u, dtype=np.float64)
    if w.ndim != 2 or w.shape[1] != box.dim or np.any((w < 0.0) | (w >= 1.0)):
        raise OracleDomainError(f"u must have shape (n, {box.dim}) with entries in [0, 1)")
    h = box.spacing
    if box.dim == 1:
        return _inverse_cdf(float(h[0]), float(box.lower[0]), v[None, :], w[:, 0])[:, None]
    marginal = np.sum(v, axis=1) * h[1]
    x0 = _inverse_cdf(float(h[0]), float(box.lower[0]), marginal[None, :], w[:, 0])
    rows = _row_values(box, v, x0)  # (n, ny): the density at x0 on the y grid
    x1 = _inverse_cdf(float(h[1]), float(box.lower[1]), rows, w[:, 1])
    return np.stack([x0, x1], axis=1)


def affine_image(box: Box, values: Any, A: Any, b: Any) -> FloatArray:
    """The density of ``A x + b`` for ``x`` of grid density ``values``, on the same box
    (``A`` invertible; 0 where the preimage leaves the box)."""
    d = box.dim
    a = np.atleast_2d(np.asarray(A, dtype=np.float64)) * (np.eye(d) if np.ndim(A) == 0 else 1)
    shift = np.broadcast_to(np.asarray(b, dtype=np.float64), (d,))
    det = float(np.linalg.det(a))
    if det == 0.0:
        raise OracleDomainError("A must be invertible for the image of a grid density")
    pre = np.linalg.solve(a, (box.points - shift).T).T
    return (trig_eval(box, values, pre) / abs(det)).reshape(box.shape)
