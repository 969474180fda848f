"""Score errors as fields: AffineError and ScoreDifference, checked against the exact scores."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from gaussian_oracle import (
    AffineError,
    Gaussian,
    GaussianMixture,
    OracleShapeError,
    ScoreDifference,
    push_forward,
    score,
)

Q = Gaussian([0.2, -0.1], [[0.8, 0.1], [0.1, 0.5]])
Y = np.array([[0.0, 0.0], [1.0, -0.5], [-2.0, 1.5]])


@pytest.mark.parametrize("s", [0.0, 0.3, 2.5])
def test_score_difference_is_the_difference_of_exact_scores(s):
    qt = push_forward(Q, [[1.1, 0.0], [0.2, 0.9]], [0.1, 0.0])
    e = ScoreDifference(Q, qt)
    np.testing.assert_array_equal(e(Y, s), score(qt, Y, s) - score(Q, Y, s))
    # between Gaussians the field is affine: the AffineError form agrees to round-off of
    # two 2x2 inversions (condition ~3): 1e-12 absolute on O(1) values
    np.testing.assert_allclose(e.affine()(Y, s), e(Y, s), atol=1e-12)


def test_a_mixture_gives_no_affine_form_and_zero_is_recognised():
    m = GaussianMixture([0.5, 0.5], [[-1.0], [1.0]], [[[0.3]], [[0.3]]])
    assert ScoreDifference(m, push_forward(m, 1.0, 0.2)).affine() is None
    assert ScoreDifference(m, m).zero and not ScoreDifference(m, push_forward(m, 1.0, 0.2)).zero
    with pytest.raises(OracleShapeError, match="q has dimension 1 and q_tilde has dimension 2"):
        ScoreDifference(m, Q)


def test_error_fields_pickle():
    for e in (
        AffineError(W=np.eye(2) * 0.1, xi=[0.2, 0.0]),
        AffineError(xi=[0.1, 0.0]),
        ScoreDifference(Q, push_forward(Q, 1.0, [0.3, 0.0])),
        ScoreDifference(Q, push_forward(Q, 1.0, [0.3, 0.0])).affine(),
    ):
        np.testing.assert_array_equal(pickle.loads(pickle.dumps(e))(Y, 0.7), e(Y, 0.7))
