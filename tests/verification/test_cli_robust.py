"""The command line never shows a traceback, prints valid JSON, writes its files as one set.

Each test is named after a defect found in issue 13.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from verification.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _strict(text: str):
    """``json.loads`` that refuses the non-standard Infinity / NaN constants."""

    def refuse(name: str):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_help_imports_nothing_heavy():
    """Issue 13: every call, --help included, took ~2.7 s (eager imports). No timing in tests:
    the proxy is that --help imports neither NumPy nor SciPy (measured: 0.08 s)."""
    code = (
        "import sys\n"
        "from verification.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('numpy', 'scipy', 'sympy', 'matplotlib', 'hypothesis') "
        "if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_choices_come_from_the_registries():
    """The options' choices are read from the registries, not written a second time."""
    from verification import PROFILES
    from verification import _phase_data as _phase
    from verification.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices

    def choices(command, dest):
        return list(next(a for a in sub[command]._actions if a.dest == dest).choices)

    assert choices("verify", "profile") == list(PROFILES)
    assert choices("phase", "kind") == list(_phase.KINDS)
    assert choices("phase", "format") == list(_phase.FORMATS)


def test_bound_help_lists_every_public_numeric_bound(capsys):
    """The README promised literal_constant and the sqrt_recursion_* functions; the list is
    now read from bounds.__all__, so a new bound appears without editing the CLI."""
    import inspect

    import bounds as B

    functions = [
        n
        for n in B.__all__
        if inspect.isfunction(getattr(B, n)) and n not in ("classify_regime", "as_schedule")
    ]
    assert main(["bound", "--help"]) == 0
    listed = capsys.readouterr().out.split("NAME is one of: ")[1].split(".\n")[0].split(", ")
    assert listed == functions
    assert {"literal_constant", "sqrt_recursion_step", "sqrt_recursion_bounds"} <= set(listed)


def test_non_utf8_config_and_json_files_are_usage_errors(tmp_path, capsys):
    """Issue 13: a non-UTF-8 config or JSON file gave a traceback."""
    bad = tmp_path / "c.toml"
    bad.write_bytes(b"\xff\xfe[data]")
    assert main(["oracle", str(bad)]) == 2
    assert "is not UTF-8 text" in _one_line(capsys)
    law = tmp_path / "p.json"
    law.write_bytes(b"\xff{")
    assert main(["divergence", str(law), '{"mean": [0], "cov": [[1]]}']) == 2
    assert "is not UTF-8 text" in _one_line(capsys)


def _recursion_config(tmp_path: Path, save: str) -> Path:
    cfg = tmp_path / "r.toml"
    cfg.write_text(
        '[data]\nmean=[0.0]\ncov=[[1.0]]\n[diffusion]\ninit="exact"\n[recursion]\n'
        f'alpha=0.5\ngenerations=2\nlearner="PopulationKDE"\nh=0.1\nsave="{save}"\n'
    )
    return cfg


def test_recursion_save_into_a_missing_folder_is_refused_before_the_run(tmp_path, capsys):
    """Issue 13: [recursion] save into a missing or read-only folder gave a traceback."""
    assert main(["oracle", str(_recursion_config(tmp_path, "missing/t.npz"))]) == 2
    assert "the folder" in _one_line(capsys)
    (tmp_path / "afile").write_text("x")  # a file where the folder should be
    assert main(["oracle", str(_recursion_config(tmp_path, "afile/t.npz"))]) == 2
    assert "does not exist" in _one_line(capsys)
    assert main(["oracle", str(_recursion_config(tmp_path, "t.npz")), "--json"]) == 0
    out = _strict(capsys.readouterr().out)
    assert Path(out["saved"]).exists()


def test_error_too_large_for_the_ode_engine_is_one_line(tmp_path, capsys):
    """Issue 13: [error] xi = [1e200] gave a traceback when the ODE solver failed."""
    cfg = tmp_path / "e.toml"
    cfg.write_text("[data]\nmean=[0]\ncov=[[1]]\n[error]\nxi=[1e200]\n")
    assert main(["oracle", str(cfg)]) == 2
    assert "exceed the float64 range" in _one_line(capsys)
    cfg.write_text("[data]\nmean=[0]\ncov=[[1]]\n[error]\nW=[[300]]\n")  # exp(1200): no ODE
    assert main(["oracle", str(cfg)]) == 1
    assert "computation failed" in _one_line(capsys)


def test_finiteness_undecided_in_divergence_is_a_failed_computation(capsys):
    """Issue 13: FinitenessUndecidedError in divergence gave a traceback."""
    covs = []
    for angle in (0.0, 0.7, 1.6):
        c, s = np.cos(angle), np.sin(angle)
        rot = np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])
        covs.append(np.linalg.inv(2.0 * np.eye(3) - rot @ np.diag([0.0, 0.5, 1.5]) @ rot.T))
    q = {
        "weights": [0.3, 0.3, 0.4],
        "means": np.zeros((3, 3)).tolist(),
        "covs": [c.tolist() for c in covs],
    }
    p = {"mean": [0.0, 0.0, 0.0], "cov": np.eye(3).tolist()}
    assert main(["divergence", json.dumps(p), json.dumps(q)]) == 1
    assert "computation failed: FinitenessUndecidedError" in _one_line(capsys)


def test_json_output_is_valid_json_with_infinities_as_strings(tmp_path, capsys):
    """Issue 13: --json printed Infinity, which is not JSON."""
    assert main(["demo", "--json"]) == 0
    demo = _strict(capsys.readouterr().out)
    assert any(r["value"] == "inf" for r in demo["examples"])
    p, q = '{"mean": [0], "cov": [[2.5]]}', '{"mean": [0], "cov": [[1]]}'
    assert main(["divergence", p, q, "--json"]) == 0
    assert _strict(capsys.readouterr().out)["chi2"]["value"] == "inf"
    assert main(["bound", "memory_length", "--alpha", "0", "--json"]) == 0
    assert _strict(capsys.readouterr().out)["value"] == "inf"
    cfg = tmp_path / "r.toml"
    cfg.write_text(
        '[data]\nmean=[0]\ncov=[[0.25]]\n[diffusion]\ninit="exact"\n[recursion]\nalpha=0.5\n'
        'generations=2\nlearner="PopulationKDE"\nh=0.6\nobservables=false\n'
    )
    assert main(["oracle", str(cfg), "--json"]) == 0
    rec = _strict(capsys.readouterr().out)
    assert rec["D"][1]["value"] == "inf" and rec["first_infinite"] == 1


def test_oracle_defaults_are_the_python_apis(tmp_path, capsys):
    """Issue 13: oracle defaulted to exact init with observables off; the API does the opposite."""
    from gaussian_oracle import AffineError, Diffusion, Gaussian, LinearGaussianOracle

    cfg = tmp_path / "g.toml"
    cfg.write_text("[data]\nmean=[0.2]\ncov=[[0.7]]\n[error]\nxi=[0.3]\n")
    assert main(["oracle", str(cfg), "--json"]) == 0
    one = _strict(capsys.readouterr().out)
    api = LinearGaussianOracle(Gaussian(0.2, 0.7), Diffusion(), AffineError(xi=[0.3])).solve()
    assert one["eta"] == pytest.approx(api.eta, rel=1e-12)  # Diffusion() is standard init
    cfg.write_text(
        '[data]\nmean=[0]\ncov=[[1]]\n[diffusion]\ninit="exact"\n[recursion]\nalpha=0.5\n'
        'generations=2\nlearner="AffinePushforward"\nA=1.0\nb=0.1\n'
    )
    assert main(["oracle", str(cfg), "--json"]) == 0
    rec = _strict(capsys.readouterr().out)
    assert len(rec["eps_star2"]) == 2 and len(rec["I"]) == len(rec["I_ideal"]) == 2


def test_bound_takes_outside_help_and_refuses_a_repeated_parameter(capsys):
    """Issue 13: the bound error advised outside='vacuous' but --outside was rejected; bound
    NAME --help failed; a repeated --C silently took the last value."""
    args = ["bound", "chi2_lower", "--eps_star2", "2", "--eta", "1", "--C", "1"]
    assert main(args) == 2
    assert "--outside vacuous" in _one_line(capsys)
    assert main([*args, "--outside", "vacuous"]) == 0
    assert capsys.readouterr().out.strip() == "0"
    assert main(["bound", "chi2_lower", "--help"]) == 0
    assert "--outside" in capsys.readouterr().out
    assert main(["bound", "--help"]) == 0
    assert "sqrt_recursion_bounds" in capsys.readouterr().out
    assert (
        main(["bound", "chi2_lower", "--eps_star2", "0.1", "--eta", "1", "--C", "1", "--C", "2"])
        == 2
    )
    assert "--C given twice" in _one_line(capsys)
    assert (
        main(
            [
                "bound",
                "literal_constant",
                "--D_next",
                "0.5,0.3",
                "--eps_star2",
                "1,0.1",
                "--alpha",
                "1",
                "--C_bias",
                "0.1",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == "[0.6 4. ]"


def test_phase_horizon_takes_a_schedule_and_eps0_2(tmp_path, capsys):
    """Issue 13: phase --kind horizon ignored --eps0-2 and took no schedule."""
    from verification import PhaseDiagram

    out = tmp_path / "ph"
    argv = [
        "phase",
        "--kind",
        "horizon",
        "--out",
        str(out),
        "--points",
        "3",
        "--generations",
        "4",
        "--no-oracle",
        "--quiet",
        "--schedule",
        "geometric",
        "--eps0-2",
        "0.2",
        "--rate",
        "0.5",
    ]
    assert main(argv) == 0
    diagram = PhaseDiagram.from_csv(out / "phase-horizon.csv")
    s = np.asarray(diagram.data["S"], dtype=float)
    alpha = np.asarray(diagram.data["alpha"], dtype=float)
    n = np.asarray(diagram.data["N"], dtype=float)
    row = (alpha == 1.0) & (n == 1.0)  # alpha = 1: S_N is the last energy, 0.2 x 0.5^0
    assert s[row] == pytest.approx([0.2], rel=1e-12)
    capsys.readouterr()
    assert (
        main(["phase", "--kind", "floor", "--eps0-2", "0.2", "--no-oracle", "--out", str(out)]) == 2
    )
    assert "--eps0-2 has no effect with --kind floor" in _one_line(capsys)
    assert main(["phase", "--kind", "geometric", "--rate", "0.5", "--out", str(out)]) == 2
    assert "apply to --kind horizon" in _one_line(capsys)
    assert main(["phase", "--kind", "horizon", "--schedule", "power-law", "--out", str(out)]) == 2
    assert "needs --rate" in _one_line(capsys)


def test_verify_out_a_file_fails_before_the_run(tmp_path, capsys, monkeypatch):
    """Issue 13: verify --out README.md failed only after the whole run."""
    import verification._verify as report

    monkeypatch.setattr(report, "verify", lambda *a, **k: pytest.fail("the run started"))
    target = tmp_path / "README.md"
    target.write_text("keep me")
    assert main(["verify", "--out", str(target), "--quiet"]) == 2
    assert "exists and is not a folder" in _one_line(capsys)
    assert target.read_text() == "keep me"


def test_an_interrupted_write_leaves_the_previous_set_and_no_staging(tmp_path, monkeypatch):
    """Issue 13: an interrupted run left a partial report, or figures of the previous run beside
    a new one; SIGKILL left .part files that no re-run removed."""
    from verification import phase_diagram

    diagram = phase_diagram("floor", alphas=[0.5, 1.0], values=[0.01, 0.1], horizon=3, oracle=False)
    out = tmp_path / "out"
    first = diagram.save(out)
    before = {p.name: p.read_bytes() for p in first}
    stale = out / ".stage.999999999.abc.part"  # a staging folder of a killed run
    stale.mkdir()
    (stale / "phase-floor.csv").write_text("partial")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(type(diagram), "to_csv", interrupted)
    with pytest.raises(KeyboardInterrupt):
        diagram.save(out)
    assert {p.name: p.read_bytes() for p in first} == before  # the previous set, untouched
    assert sorted(p.name for p in out.iterdir()) == sorted(before)  # no staging, no stale


def test_ctrl_c_exits_130_without_a_traceback(tmp_path):
    """Issue 13: Ctrl-C printed a traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "verification", "verify", "--out", str(tmp_path / "r"), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    time.sleep(4.0)  # inside the run (imports take ~1 s, the run ~40 s)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err and "interrupted" in err
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())
    assert not (tmp_path / ".hypothesis").exists()  # nothing left in the working directory


def test_python_dash_m_reports_internal_errors_in_one_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "verification", "bound", "kl_upper", "--eps_hat2", "0.3"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == 0 and out.stdout.strip() == "0.15"
