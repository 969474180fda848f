"""The constant atlas (issue 19, first step): the search finds a supremum known in closed form,
its argmax reproduces from its config, and without the hypotheses it finds the violation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from verification import instance_from_config, run_check
from verification._atlas import atlas, variance_family

#: largest error scale of the closed-form family: the learned endpoint variance stays below 2
A_MAX = 0.25


def _variance_family(a_max: float = A_MAX):
    return variance_family(a_max)


def _required_c(a: float, H: float) -> float:
    """Thm 3.4's required c in closed form: chi2(N(0, S) || N(0, 1)) = 1/sqrt(S (2 - S)) - 1,
    eps_star2 = a^2 H (the ideal path has variance 1), c = (chi2 - 4 eps^2) / eps^4."""
    r = 2 * a - 1
    s = -1 / r + (1 + 1 / r) * math.exp(r * H)
    chi = 1 / math.sqrt(s * (2 - s)) - 1
    u = a * a * H
    return max(0.0, (chi - 4 * u) / (u * u))


def test_atlas_finds_the_closed_form_supremum():
    # the closed form increases with a and with H = T - t0 on this box (checked on a grid),
    # so the supremum is the corner a = A_MAX, H = 6 - 0.005
    grid = [
        _required_c(a, h) for a in np.linspace(0.05, A_MAX, 41) for h in np.linspace(0.9, 5.995, 41)
    ]
    want = _required_c(A_MAX, 5.995)
    assert want == pytest.approx(max(grid), rel=1e-12) and want > 1.0
    res = atlas("thm-3.4", _variance_family(), budget=200, seed=3)
    # the linear engine's ODE solves are accurate to ~1e-10; the polish reaches the corner
    assert res.best == pytest.approx(want, rel=1e-6)
    assert res.evaluations <= 200 and res.trace[-1] == res.best
    assert np.all(np.diff(res.trace) >= 0) and res.outside == 0
    # the sharp ratios over the evaluated instances (THEORY.md §7): chi2 / (eta eps^2) -> 1 as
    # the error vanishes (the box reaches a = 0.01: within 5%), KL / (eps_hat2 / 2) <= 1
    lo, hi = res.meta["sharp"]["chi2 / (eta eps_star2)"]
    assert 1.0 <= lo <= 1.05 and hi > 2.0
    assert 0.0 < res.meta["sharp"]["KL / (eps_hat2 / 2)"][1] <= 1.0


def test_the_argmax_instance_reproduces_from_its_config():
    res = atlas("thm-3.4", _variance_family(), budget=60, seed=1)
    again = run_check("thm-3.4", instance_from_config(res.config))
    assert again.required["c"] == res.best  # bit-identical


def test_without_its_hypotheses_the_search_finds_the_violation():
    """Negative control: with the scale allowed up to 1 the learned variance passes 2, chi2 is
    infinite (A3 fails) and no constant c makes Thm 3.4 hold there."""
    wide = _variance_family(a_max=1.0)
    off = atlas("thm-3.4", wide, budget=60, seed=2, hypotheses=False)
    assert off.best == math.inf
    on = atlas("thm-3.4", wide, budget=60, seed=2)
    assert math.isfinite(on.best) and on.outside > 0


def test_atlas_command_writes_the_set_and_its_config_reruns_through_the_oracle(tmp_path, capsys):
    import json

    from verification.cli import main

    out = tmp_path / "atlas"
    argv = ["atlas", "--family", "variance-1d", "--statement", "thm-3.4", "--budget", "60"]
    assert main([*argv, "--out", str(out), "--quiet", "--no-a3"]) == 0
    assert "| thm-3.4 | c | variance-1d |" in capsys.readouterr().out
    names = sorted(p.name for p in out.iterdir())
    assert names == ["atlas-thm-3.4-variance-1d.toml", "atlas-thm-3.4.png", "atlas.json",
                     "atlas.md"]  # fmt: skip
    best = json.loads((out / "atlas.json").read_text())["results"][0]["best"]
    assert main(["oracle", str(out / "atlas-thm-3.4-variance-1d.toml"), "--json"]) == 0
    sol = json.loads(capsys.readouterr().out)
    e, chi = sol["eps_star2"], sol["chi2"]["value"]
    assert (chi - 4 * e) / (e * e) == best  # bit-identical through the TOML and the oracle


def test_atlas_bad_input_is_refused():
    from verification import VerificationError

    with pytest.raises(VerificationError, match=r"statement='prop-4\.1' must be one of"):
        atlas("prop-4.1", _variance_family())
    with pytest.raises(VerificationError, match=r"budget=5 must be an integer >= 20"):
        atlas("thm-3.4", _variance_family(), budget=5)
    with pytest.raises(VerificationError, match=r"fixed=\['nope'\]"):
        atlas("thm-3.4", _variance_family(), fixed={"nope": 1})


def _smallest_a3_eps():
    """Closed form of the A3 search on the variance family: chi2 is infinite once the learned
    variance S(a, H) reaches 2; eps_star2 = a^2 H at that a, minimised over H = T - t0."""
    from scipy.optimize import brentq, minimize_scalar

    def s(a, h):
        r = 2 * a - 1
        return 1 + h if abs(r) < 1e-14 else -1 / r + (1 + 1 / r) * math.exp(r * h)

    def eps_at(h):
        a = brentq(lambda a: s(a, h) - 2, 1e-6, 1.0, xtol=1e-15)
        return a * a * h

    return minimize_scalar(eps_at, bounds=(0.9, 5.995), method="bounded",
                           options={"xatol": 1e-12}).fun  # fmt: skip


def test_a3_search_finds_the_smallest_eps_star2_with_infinite_chi2():
    from verification._atlas_a3 import a3_search

    want = _smallest_a3_eps()  # 0.227872... at T - t0 = 1.706 (an interior minimum)
    res = a3_search(variance_family(1.0), budget=1000, seed=0)
    assert res.eps_star2 == pytest.approx(want, rel=1e-6) and res.inside
    inst = instance_from_config(res.config)
    assert run_check("thm-3.4", inst).hypotheses  # A3 fails there: the check says so
    from verification import evaluate

    chi2 = evaluate(inst).solution.chi2  # infinite, not merely beyond the float64 range
    assert chi2.value == math.inf and chi2.method != "overflow"
    assert np.all(np.diff(res.trace[np.isfinite(res.trace)]) <= 0)
    # a box in which the learned variance never reaches 2: no instance, reported as inf
    none = a3_search(variance_family(A_MAX), budget=60, seed=0)
    assert none.eps_star2 == math.inf and not none.inside and none.params == {}


def test_atlas_command_reports_the_a3_search(tmp_path, capsys):
    import json

    from verification.cli import main

    out = tmp_path / "a3"
    argv = ["atlas", "--family", "variance-1d", "--statement", "prop-3.3", "--budget", "40"]
    assert main([*argv, "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "A3 search on variance-1d" in text
    # the default variance family keeps the learned variance below 2: none found
    assert "none found" in text
    assert json.loads((out / "atlas.json").read_text())["a3"]["eps_star2"] == "inf"


# the report here has no check results, so its tightness figure has nothing to label
@pytest.mark.filterwarnings("ignore:No artists with labels found")
def test_the_thorough_profile_carries_a_small_atlas(tmp_path):
    """verify --profile thorough runs _small_atlas (budget 200; about 10 s); here the same
    function at budget 24, through a Report written to disk, and the quick profile has none."""
    import json

    from verification import Constants
    from verification._report import Report
    from verification._verify import PROFILES, _small_atlas

    assert PROFILES["quick"]["atlas"] == 0 and PROFILES["thorough"]["atlas"] == 200
    assert _small_atlas(0, 0) is None
    small = _small_atlas(24, 0)
    rep = Report("thorough", 0, Constants(), (), {}, 0.0, {}, atlas=small)
    paths = {p.name for p in rep.write(tmp_path)}
    assert {"atlas.png", "atlas-thm-3.4-gaussian-affine.toml"} <= paths
    assert "## Constant atlas (small: 24 evaluations each)" in rep.to_markdown()
    doc = json.loads((tmp_path / "report.json").read_text())
    assert [r["statement"] for r in doc["atlas"]["results"]] == ["prop-3.3", "thm-3.4"]
    assert "eps_star2" in doc["atlas"]["a3"]
