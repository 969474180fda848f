"""Discounted sums ``S[k] = sum_{j<=k} r^{k-j} e[j] + r^{k+1} D`` in O(N), accurate (private).

Algorithm. ``S`` satisfies ``S[k] = r S[k-1] + e[k]``. Run naively, the rounding of the
additions accumulates coherently over the memory ``1 / (1 - r)`` of the recursion: 5e-12
relative after 2e5 steps of a constant schedule with ``alpha = 1e-10``. So the sum is blocked:

* the schedule is cut into ``nb`` blocks of ``B ~ sqrt(N)`` entries; within each block the
  partial discounted sums start from zero and run as an IIR filter (``scipy.signal.lfilter``,
  compiled), so rounding accumulates over at most ``B`` steps;
* the block ends are chained by ``carry_b = P_b[B-1] + r^B carry_{b-1}`` (``nb`` steps), and
  every entry is ``P_b[m] + r^{m+1} carry_{b-1}``, with the powers of ``r`` in closed form
  ``exp(m log r)``, ``log r = power * log1p(-alpha)``;
* the filter runs with ``r' = fl(r)``, whose error drifts ``r'^m`` from ``r^m`` by
  ``m |r' - r|``; the exact ``r - r'`` (rational arithmetic on the binary value of alpha)
  times the derivative ``dP/dr`` (a second filter, ``D[k] = r D[k-1] + P[k-1]``) corrects it
  to second order.

The worst-case relative error is then about ``(B + nb) * 2^-53 ~ 2 sqrt(N) 2^-53``, 2e-13 at
``N = 10^6``, for non-negative ``e`` of any magnitudes (all terms are positive, so nothing
cancels). Inputs up to the float64 maximum are scaled by a power of two first, so sums
beyond the float64 range are ``+inf`` (the correct rounding), without NaN or warning.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ._validation import FloatArray


def discounted(e: FloatArray, alpha: float, power: int, initial: float) -> FloatArray:
    """``S[k] = sum_{j<=k} r^{k-j} e[j] + r^{k+1} initial`` with ``r = (1 - alpha)^power``.

    ``power`` is 2 for the paper's discount on divergences and 1 for the square-root recursion
    of THEORY.md §7. ``e`` is one-dimensional, finite, non-negative; ``initial`` is ``>= 0`` and
    may be ``inf``.
    """
    n = e.shape[0]
    if alpha == 1.0 or n == 0:  # r = 0: nothing is remembered, not even the initial term
        return np.array(e, dtype=np.float64, copy=True)
    if initial == np.inf:
        return np.full(n, np.inf)
    # work in units of a power of two at least the largest input (exact scaling, since every
    # term is non-negative nothing cancels): no intermediate overflows, and sums beyond the
    # float64 range come out as +inf at the final rescaling, never NaN
    top = max(float(np.max(e)), float(initial))
    if top > _SCALE_ABOVE:
        unit = float(np.ldexp(1.0, int(np.frexp(top)[1]) - 1))  # top / unit in [1, 2)
        with np.errstate(over="ignore"):
            return unit * _discounted(e / unit, alpha, power, initial / unit)
    return _discounted(e, alpha, power, initial)


#: inputs above this are rescaled first (below it, S[k] <= n max(e) stays finite for n < 1e18)
_SCALE_ABOVE = 1e290


def _discounted(e: FloatArray, alpha: float, power: int, initial: float) -> FloatArray:
    """:func:`discounted` for ``0 <= alpha < 1`` and a finite ``initial``."""
    return Discounter(e).run(alpha, power, initial)


class Discounter:
    """:func:`discounted` for one schedule ``e`` and many alphas, its work arrays reused.

    The blocked copy of ``e`` is made once and every temporary but the two filter outputs is
    written into a buffer kept between calls (8 fresh arrays of ``N`` floats per alpha cost
    half the time in page faults); ``dP/dr`` is one second-order filter of the blocks. For
    ``0 <= alpha < 1`` and a finite ``initial``.
    """

    def __init__(self, e: FloatArray) -> None:
        n = e.shape[0]
        self.n = n
        self.size = int(min(4096, max(64, np.ceil(np.sqrt(n)))))
        nb = -(-n // self.size)
        blocks = np.zeros(nb * self.size)
        blocks[:n] = e
        self.blocks = blocks.reshape(nb, self.size)
        self.buffer = np.empty_like(self.blocks)
        self.steps = np.arange(1, self.size + 1, dtype=np.float64)

    def run(
        self, alpha: float, power: int, initial: float, out: FloatArray | None = None
    ) -> FloatArray:
        """``S`` for this ``alpha`` (into ``out`` of shape ``(N,)`` if given)."""
        from scipy.signal import lfilter  # imported on use: scipy.signal costs ~0.5 s to import

        r_exact = (1 - Fraction(alpha)) ** power
        r = float(r_exact)
        r_err = float(r_exact - Fraction(r))
        log_r = power * float(np.log1p(-alpha))
        part = lfilter([1.0], [1.0, -r], self.blocks, axis=1)
        buf = self.buffer
        if r_err != 0.0:
            # dP/dr straight from the blocks: D[k] = r D[k-1] + P[k-1], i.e. the second-order
            # filter 1 / (1 - r z^-1)^2 delayed by one (no pass over P itself)
            deriv = lfilter([0.0, 1.0], [1.0, -2.0 * r, r * r], self.blocks, axis=1)
            np.multiply(deriv, r_err, out=deriv)
            np.add(part, deriv, out=part)
        weights = np.exp(self.steps * log_r)  # r^{m+1}, m = 0..size-1
        nb = part.shape[0]
        carries = np.empty(nb)
        carry = float(initial)
        last, w_last = part[:, -1], weights[-1]
        for b in range(nb):
            carries[b] = carry
            carry = float(last[b] + w_last * carry)
        np.multiply(weights[None, :], carries[:, None], out=buf)
        np.add(part, buf, out=buf)
        flat = buf.reshape(-1)[: self.n]
        if out is None:
            return np.array(flat, dtype=np.float64)
        out[...] = flat
        return out
