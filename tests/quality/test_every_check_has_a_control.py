"""A negative control for every registered check: a deliberate error the check must catch.

Each control either replaces a function of ``bounds`` with a wrong version (the checks call
them through the module) or corrupts the oracle's answer (a wrong ``D_i`` or ``I_i``), and
names the verdict the check must then reach on a curated instance where the real check holds.
``test_every_check_has_a_control`` fails the moment a check is registered without one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import bounds as B
from verification import CHECKS, curated_instances, run_check
from verification._instances import RecursionEvaluation, evaluate

INSTANCES = {i.label: i for i in curated_instances(generations=12)}
_real_mode_errors, _real_w2_ball = B.mode_errors, B.w2_ball


def _scaled(divs: Any, factor: float) -> tuple[Any, ...]:
    return tuple(
        None if d is None else dataclasses.replace(d, value=d.value * factor) for d in divs
    )


def _oracle(field: str, factor: float) -> Callable[[RecursionEvaluation], RecursionEvaluation]:
    """A wrong oracle: the trajectory's ``field`` multiplied by ``factor``."""

    def corrupt(ev: RecursionEvaluation) -> RecursionEvaluation:
        traj = dataclasses.replace(
            ev.trajectory, **{field: _scaled(getattr(ev.trajectory, field), factor)}
        )
        return RecursionEvaluation(ev.instance, traj)

    return corrupt


@dataclasses.dataclass(frozen=True)
class Control:
    """``instance``: where the real check holds; ``bound``: ``(name, wrong version)`` of a
    bounds function, or ``oracle``: a corruption of the evaluation; ``then``: the status the
    check must report after the change; ``what``: the error introduced."""

    instance: str
    what: str
    then: str = "fails"
    bound: tuple[str, Callable[..., Any]] | None = None
    oracle: Callable[[Any], Any] | None = None


CONTROLS: dict[str, Control] = {
    "prop-3.1": Control(
        "mean-shift", "constant 1/2 -> 1/8", bound=("kl_upper", lambda e: np.asarray(e) / 8.0)
    ),
    "prop-3.3": Control(
        "mean-shift",
        "constant 1/4 -> 2",
        bound=("chi2_lower", lambda e, h, *, C, outside="raise": 2.0 * h * e - C * e**2),
    ),
    "prop-3.3-clean": Control(
        "mean-shift",
        "constant 1/8 -> 2",
        bound=("chi2_lower_clean", lambda e, h, *, C, outside="raise": 2.0 * h * e),
    ),
    "thm-3.4": Control(
        "mean-shift",
        "exponent off by one",
        bound=("chi2_upper", lambda e, *, c: 4.0 * np.asarray(e) ** 2 + c * np.asarray(e) ** 3),
    ),
    "chi2-asymptotic": Control(
        "mean-shift", "constant doubled", bound=("chi2_asymptotic", lambda e, h: 2.0 * h * e)
    ),
    "kl-asymptotic": Control(
        "mean-shift", "constant halved", bound=("kl_asymptotic", lambda e, h: h * e / 4.0)
    ),
    "prop-3.3-steps": Control(
        "constant-bias",
        "constant 1/4 -> 8",
        bound=("chi2_lower", lambda e, h, *, C, outside="raise": 8.0 * h * e - C * e * e),
    ),
    "prop-3.3-steps-vs-q": Control(
        "constant-bias",
        "constant 1/4 -> 8",
        bound=("chi2_lower", lambda e, h, *, C, outside="raise": 8.0 * h * e - C * e * e),
    ),
    "thm-3.4-steps": Control(
        "kde-smoothing",
        "constant 4 -> 0.04",
        bound=("chi2_upper", lambda e, *, c: 0.01 * (4.0 * e + c * e * e)),
    ),
    "thm-3.4-steps-vs-q": Control(
        "kde-smoothing",
        "constant 4 -> 0.04",
        bound=("chi2_upper", lambda e, *, c: 0.01 * (4.0 * e + c * e * e)),
    ),
    "lemma-F.1": Control(
        "constant-bias",
        "discount not squared",
        bound=("refresh", lambda d, a: (1.0 - a) * np.asarray(d)),
    ),
    "lower-recursion": Control(
        "constant-bias",
        "right side x8",
        bound=("next_lower", lambda d, i, a, _r=B.next_lower: 8.0 * _r(d, i, a)),
    ),
    "lower-recursion-ideal": Control(
        "constant-bias", "oracle's I_ideal x10", oracle=_oracle("I_ideal", 10.0)
    ),
    "prop-4.1-i": Control("constant-bias", "oracle's D_i x 1e-3", oracle=_oracle("D", 1e-3)),
    "prop-4.1-ii": Control(
        "constant-bias",
        "floor x1000",
        bound=("persistence_floor", lambda a, h, e, _f=B.persistence_floor: 1e3 * _f(a, h, e)),
    ),
    # the additive reading reports the smallest C_bias that makes it hold, so it cannot fail
    # on a finite run; its control is an oracle whose D_i is infinite (A3): "outside"
    "thm-4.2-additive": Control(
        "constant-bias", "oracle's D_i infinite", then="outside", oracle=_oracle("D", np.inf)
    ),
    # the literal display fails on summable errors; a required c2 that does not grow must
    # turn the verdict to "holds"
    "limit-law-modes": Control(
        "exact-score",
        "mode rate (1 - alpha) lambda_n -> 1.01 x",
        bound=("mode_contraction", lambda n, a, t: 1.01 * (1 - a) * np.exp(-0.5 * n * t)),
    ),
    "limit-law-tv": Control(
        "exact-score",
        "TV factor 1 - alpha -> 0.9 (1 - alpha)",
        bound=("tv_contraction", lambda i, a: 0.9 * (1 - np.asarray(a)) ** np.asarray(i)),
    ),
    "annealed-modes": Control(
        "annealed-exact-score",
        "the schedule read one generation late",
        bound=(
            "mode_errors",
            lambda n, a, t, g=None, **kw: _real_mode_errors(n, a, [t[0], *t[:-1]], g, **kw),
        ),
    ),
    "w2-ball": Control(
        "decaying-bias",
        "ball 0.9 x",
        bound=("w2_ball", lambda *args, **kw: 0.9 * _real_w2_ball(*args, **kw)),
    ),
    "thm-4.2-literal": Control(
        "decaying-bias",
        "required c2 constant",
        then="holds",
        bound=(
            "literal_constant",
            lambda d, e, a, *, C_bias, D_i0=0.0: np.ones_like(np.asarray(d)),
        ),
    ),
}


def test_every_check_has_a_control():
    missing = sorted(set(CHECKS) - set(CONTROLS))
    assert not missing, f"register a negative control for {missing} in CONTROLS"


@pytest.mark.parametrize("cid", list(CONTROLS))
def test_the_check_rejects_its_control(monkeypatch, cid):
    control = CONTROLS[cid]
    inst = INSTANCES[control.instance]
    real = run_check(cid, inst).status
    expected_real = "fails" if CHECKS[cid].expected == "fails" else "holds"
    assert real == expected_real, (cid, real)  # the real statement behaves as documented
    ev = evaluate(inst)
    if control.bound is not None:
        monkeypatch.setattr(B, *control.bound)
    if control.oracle is not None:
        ev = control.oracle(ev)
    assert run_check(cid, ev).status == control.then, (cid, control.what)
