"""The one value type: Estimate, its method and kind enumerations."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from gaussian_oracle import Divergence, Estimate, Kind, McEstimate, Method, OracleDomainError


def test_one_class_for_every_value_with_an_error():
    assert Divergence is Estimate and McEstimate is Estimate


def test_kind_follows_the_method_unless_given():
    assert Estimate(1.0).kind == Kind.EXACT and Estimate(1.0).exact
    assert Estimate(1.0, 0.1, "monte-carlo").kind == "estimate"
    assert Estimate(1.0, 0.1, "regression", kind="lower-bound").kind == Kind.LOWER_BOUND
    assert Estimate(np.inf, 0.0, "overflow", log_value=800.0).exact  # finite, known exactly


def test_enumerations_keep_the_strings_of_earlier_versions():
    e = Estimate(0.5, 0.01, "quadrature")
    assert e.method == "quadrature" and isinstance(e.method, Method)
    assert repr(e.method) == "'quadrature'" and f"{e.method}" == "quadrature"
    assert json.loads(json.dumps({"m": e.method, "k": e.kind})) == {
        "m": "quadrature",
        "k": "estimate",
    }


def test_error_adds_the_bias_and_works_on_arrays():
    assert Estimate(1.0, 0.25, "monte-carlo", bias=-0.5).error == 0.75
    arr = Estimate(np.ones(2), np.array([0.1, 0.2]), "monte-carlo", bias=np.array([0.0, -0.1]))
    np.testing.assert_allclose(arr.error, [0.1, 0.3])  # exact sums of two doubles
    assert arr.se is arr.abs_error and arr.finite


def test_bad_labels_are_refused_with_the_choices():
    with pytest.raises(OracleDomainError, match="method='guess' must be one of 'closed-form'"):
        Estimate(1.0, 0.0, "guess")
    with pytest.raises(OracleDomainError, match="kind='upper-bound' must be one of 'exact'"):
        Estimate(1.0, kind="upper-bound")


def test_estimates_pickle_and_compare_by_value():
    e = Estimate(2.0, 0.1, "importance-sampling", "why", 100, bias=0.01)
    assert pickle.loads(pickle.dumps(e)) == e
    assert float(e) == 2.0 and e.note == "why"
