"""One battery for every registered check: a new check is tested the moment it registers.

Every check returns a typed :class:`CheckResult` with a status it is allowed, a tightness in
[0, 1], a margin whose sign agrees with the status (the comparators' one meaning), the same
result on a fresh copy of the instance (deterministic), and a result that pickles. Its
negative control lives in ``tests/quality/test_every_check_has_a_control.py``.
"""

from __future__ import annotations

import math
import pickle

import pytest

from verification import CHECKS, CheckResult, curated_instances, run_check
from verification._comparators import COMPARATORS, EXACT_RTOL
from verification._output import dumps

#: one instance of each kind on which every check is decided (short recursions: fast)
INSTANCES = {i.label: i for i in curated_instances(generations=4)}
ON = {"generation": ["mean-shift", "large-error"], "recursion": ["constant-bias", "exact-score"]}


def _cases():
    return [
        pytest.param(cid, label, id=f"{cid}-{label}")
        for cid, check in CHECKS.items()
        for label in ON[check.kind]
    ]


@pytest.mark.parametrize(("cid", "label"), _cases())
def test_every_check_returns_a_sound_typed_result(cid, label):
    check = CHECKS[cid]
    assert check.comparator in COMPARATORS and check.expected in ("holds", "fails", "reported")
    res = run_check(cid, INSTANCES[label])
    assert isinstance(res, CheckResult) and res.check == cid and res.instance == label
    assert res.status in ("holds", "fails", "vacuous", "outside")
    assert 0.0 <= res.tightness <= 1.0
    assert all(isinstance(h, str) and h for h in res.hypotheses)
    if res.status == "outside":
        assert res.hypotheses  # an outside result names the hypothesis that fails
    if res.status in ("holds", "fails") and not math.isnan(res.margin):
        # the sign of the relative margin says the verdict (up to the exact comparisons'
        # round-off slack, itself relative)
        if res.status == "holds":
            assert res.margin >= -10 * EXACT_RTOL, res
        else:
            assert res.margin < 0.0, res
    back = pickle.loads(pickle.dumps(res))
    assert dumps(back.as_dict()) == dumps(res.as_dict())


@pytest.mark.parametrize("cid", list(CHECKS))
def test_every_check_is_deterministic(cid):
    label = ON[CHECKS[cid].kind][0]
    fresh = pickle.loads(pickle.dumps(INSTANCES[label]))  # a new object: evaluated anew
    a, b = run_check(cid, INSTANCES[label]), run_check(cid, fresh)
    assert dumps(a.as_dict()) == dumps(b.as_dict())


def test_the_registry_writes_each_id_once_in_order():
    ids = list(CHECKS)
    assert ids[:6] == [
        "prop-3.1",
        "prop-3.3",
        "prop-3.3-clean",
        "thm-3.4",
        "chi2-asymptotic",
        "kl-asymptotic",
    ]
    assert all(CHECKS[c].kind == "recursion" for c in ids[6:])
    assert all(CHECKS[c].id == c for c in ids)
