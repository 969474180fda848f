"""Grid transforms against closed forms: the OU transition of a grid law (chirp-z), resampling
to a finer grid, and the marginals' cache across boxes.

The reference is the closed-form mixture (``ou_transition`` of a GaussianMixture) evaluated
at the grid points: an independent route. Tolerances: 1e-14 of the peak, a few ulps of the
density's FFTs on grids that resolve the law to 1e-16.
"""

from __future__ import annotations

import numpy as np
import pytest

from gaussian_oracle import GaussianMixture, GridLaw, OracleDomainError, ou_transition
from gaussian_oracle._grid import Box
from gaussian_oracle._grid_solver import MixtureMarginals
from gaussian_oracle._hybrid import HybridLaw, HybridMarginals

MIX1 = GaussianMixture([0.5, 0.5], [[1.0], [-1.5]], [0.25, 0.1])
MIX2 = GaussianMixture(
    [0.3, 0.7],
    [[-1.0, 0.5], [1.2, -0.3]],
    [[[0.3, 0.1], [0.1, 0.5]], [[0.6, -0.2], [-0.2, 0.4]]],
)


def _on(law, box):
    return np.exp(law.logpdf(box.points)).reshape(box.shape)


@pytest.mark.parametrize(
    "law, box",
    [
        (MIX1, Box([-10.7], [10.7], [400])),
        (MIX1, Box([-8.0], [12.3], [702])),  # off-centre box, a length no FFT likes
        (MIX2, Box([-9.0, -9.5], [10.0, 9.0], [100, 102])),
    ],
)
@pytest.mark.parametrize("t", [1e-4, 0.2, 3.0])
def test_ou_transition_of_a_grid_law_matches_the_closed_form_mixture(law, box, t):
    got = GridLaw(box, _on(law, box)).ou_transition(t).values
    exact = _on(ou_transition(law, t), box)
    # round-off of three FFTs of length ~3n (measured 2e-14 of the peak at 702 points); the
    # naive chirp-z (scipy.signal.czt) is off by 1e-12 of the peak there
    assert np.max(np.abs(got - exact)) <= 5e-14 * np.max(exact)


def test_resampling_to_a_finer_grid_is_exact_for_a_resolved_law():
    # 120 x 126 points resolve the narrowest component (sd 0.5) to 1e-20
    coarse = Box([-9.0, -9.5], [10.0, 9.0], [120, 126])
    fine = Box([-9.0, -9.5], [10.0, 9.0], [156, 164])
    got = GridLaw(coarse, _on(MIX2, coarse)).resampled(fine).values
    assert np.max(np.abs(got - _on(MIX2, fine))) <= 1e-14 * np.max(got)
    with pytest.raises(OracleDomainError, match="same bounds"):
        GridLaw(coarse, _on(MIX2, coarse)).resampled(Box([-8.0, -9.5], [10.0, 9.0], [120, 126]))


@pytest.mark.parametrize(
    "make", [MixtureMarginals, lambda m: HybridMarginals(HybridLaw(1.0, m, None))]
)
def test_marginals_are_not_fooled_by_a_new_box_with_a_recycled_id(make):
    """Boxes made and dropped in a loop get the id of the one before (CPython reuses the
    memory); a cache keyed on ``id(box)`` served the first box's values for all of them
    (this loop reproduced it on the old code)."""
    marginals = make(MIX1)
    lowers = (-10.0, -9.0, -8.0, -11.0)
    got = [float(marginals.density(Box([lo], [lo + 20.0], [128]), 0.5)[64]) for lo in lowers]
    exact = [float(np.exp(ou_transition(MIX1, 0.5).logpdf([[lo + 10.0]]))[0]) for lo in lowers]
    assert np.allclose(got, exact, rtol=1e-14, atol=0)  # the point lo + 10 of each box
