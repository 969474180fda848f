"""The command line: version, help, demo values, the divergence calculator and bad usage."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from verification.cli import main


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("diffusion-collapse ")
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    assert "demo" in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage:" in capsys.readouterr().out


def test_python_dash_m_verification_runs():
    out = subprocess.run(
        [sys.executable, "-m", "verification", "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.startswith("diffusion-collapse ")


def test_demo_json_reports_the_theory_values(capsys):
    assert main(["demo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {(r["example"], r["quantity"].split(" ")[0]): r for r in data["examples"]}
    shift = rows[("mean shift mu=1 (1-D)", "chi2")]
    assert shift["value"] == pytest.approx(np.expm1(1.0), rel=1e-14) and shift["exact"]
    assert rows[("mean shift mu=1 (1-D)", "KL")]["value"] == pytest.approx(0.5, rel=1e-14)
    kde = next(r for r in data["examples"] if r["example"].startswith("population KDE h=1.0"))
    assert kde["value"] == "inf" and kde["method"] == "tail-rule" and kde["reason"]
    early = [r for r in data["examples"] if r["example"].startswith("early stopping")]
    assert early[-1]["value"] == "inf" and early[-1]["quantity"] == "D_55"
    lemma = [r for r in data["examples"] if r["example"].startswith("Lemma F.1")]
    assert lemma[0]["value"] == pytest.approx(lemma[1]["value"], rel=1e-12)
    mc = rows[("mixture vs mixture (5-D)", "chi2")]
    assert mc["method"] == "importance-sampling" and mc["abs_error"] > 0


def test_demo_table_is_printed(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "tail-rule" in out and "why infinite" in out and "importance-sampling" in out


def test_divergence_calculator_closed_forms(capsys):
    p = '{"mean": [1.0], "cov": [[1.0]]}'
    q = '{"mean": [0.0], "cov": [[1.0]]}'
    assert main(["divergence", p, q, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["chi2"]["value"] == pytest.approx(np.expm1(1.0), rel=1e-14)
    assert out["kl"]["value"] == pytest.approx(0.5, rel=1e-14)
    assert out["w2"]["value"] == pytest.approx(1.0, rel=1e-14)


def test_divergence_calculator_reads_files_and_mixtures(tmp_path, capsys):
    f = tmp_path / "p.json"
    f.write_text(json.dumps({"weights": [0.5, 0.5], "means": [[-1.0], [1.0]], "covs": [1.0, 1.0]}))
    assert main(["divergence", str(f), '{"mean": [0.0], "cov": [[2.0]]}']) == 0
    out = capsys.readouterr().out
    assert "closed-form" in out and "quadrature" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["divergence", "{bad", "{}"], "P: not valid JSON"),
        (["divergence", "[1, 2]", "{}"], "P: expected a JSON object"),
        (
            ["divergence", '{"mean": [0]}', '{"mean": [0], "cov": [[1]]}'],
            "P: keys ['mean'] describe no law",
        ),
        (
            ["divergence", '{"mean": [0], "cov": [[-1]]}', '{"mean": [0], "cov": [[1]]}'],
            "P: cov=[[-1.]] must be positive definite",
        ),
        (
            [
                "divergence",
                '{"mean": [0], "cov": [[1]]}',
                '{"mean": [0, 0], "cov": [[1, 0], [0, 1]]}',
            ],
            "P has dimension 1 and Q has dimension 2",
        ),
        (["divergence", "missing.json", "{}"], "P: cannot read missing.json"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["divergence", "{}", "{}", "--n-samples", "1"])
    assert info.value.code == 2
    assert "must be >= 2" in capsys.readouterr().err


def test_bound_evaluates_with_named_parameters(capsys):

    assert main(["bound", "chi2_lower", "--eps_star2", "0.01", "--eta", "0.5", "--C", "1"]) == 0
    assert capsys.readouterr().out.strip() == "0.00115"  # 0.5 x 0.01 / 4 - 1e-4
    assert (
        main(["bound", "discounted_sum", "--eps_star2", "1,0.5,0.25", "--alpha", "0.5", "--json"])
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["value"] == [1.0, 0.75, 0.4375]  # S_N = sum (1/4)^(N-i) eps_i


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bound", "nope"], "unknown bound 'nope'"),
        (["bound", "kl_upper", "--eps", "1"], "unknown parameter --eps; accepted: --eps_hat2"),
        (["bound", "kl_upper", "--eps_hat2", "x"], "expected a number"),
        (["bound", "chi2_lower", "--eps_star2", "0.1"], "missing --eta, --C"),
        (["bound", "kl_upper", "--eps_hat2", "-1"], "eps_hat2"),
    ],
)
def test_bound_bad_usage_is_one_line_and_exit_2(capsys, argv, message):

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.slow
def test_verify_writes_the_report_and_exits_zero(tmp_path, capsys, monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    tmp_path = tmp_path / "out"
    assert main(["verify", "--out", str(tmp_path), "--quiet", "--seed", "3"]) == 0
    # issue 13: verify left a .hypothesis/ folder in the working directory
    assert list(cwd.iterdir()) == []
    out = capsys.readouterr().out
    assert "thm-4.2-literal" in out and "every statement behaves as documented" in out
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "accumulation.png",
        "phase-geometric.csv",
        "phase-geometric.png",
        "report.json",
        "report.md",
        "tightness.png",
    ]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["ok"] is True and report["seed"] == 3
    phase = report["phase"]  # the default diagram: 13 x 13 points in the quick profile
    assert phase["points"] == 169 and 0 <= phase["exceeded"] <= phase["claimed"] <= 169
    assert "Phase diagram (geometric schedules" in (tmp_path / "report.md").read_text()
    literal = next(r for r in report["summary"] if r["check"] == "thm-4.2-literal")
    assert literal["fails"] >= 1 and literal["behaves_as_documented"] is True
    assert "cannot hold as written" in (tmp_path / "report.md").read_text()


ROOT_EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples"


def test_oracle_runs_the_example_configs(capsys):
    assert main(["oracle", str(ROOT_EXAMPLES / "recursion.toml"), "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert len(rec["D"]) == 7 and rec["D"][0]["value"] == 0.0 and rec["first_infinite"] is None
    assert main(["oracle", str(ROOT_EXAMPLES / "one_generation.toml"), "--json"]) == 0
    one = json.loads(capsys.readouterr().out)
    # Prop 3.1 on the printed numbers: KL(learned || ideal) <= eps_hat2 / 2
    assert one["kl"]["value"] <= one["path_kl"] and 0.0 <= one["eta"] <= 1.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[data]\nmean=[0]\ncov=[[1]]\n[recursion]\nalpha=2\ngenerations=2\nlearner="ExactScore"',
            "config [recursion]: alpha=2.0 must lie in [0, 1]",
        ),
        (
            '[data]\nmean=[0]\ncov=[[1]]\n[recursion]\nalpha=0.2\ngenrations=2\nlearner="ExactScore"',
            "config [recursion].genrations: unknown field",
        ),
        ("[data]\nmean=[0]\ncov=[[-1]]\n[error]\nxi=[1]", "config [data]: cov="),
        (
            '[data]\nmean=[0]\ncov=[[1]]\n[recursion]\nalpha=0.2\ngenerations=2\nlearner="Magic"',
            "config [recursion].learner: 'Magic' must be one of",
        ),
        ("[data]\nmean=[0]\ncov=[[1]]", "exactly one of [error] (one generation) or [recursion]"),
        ("[data\n", "not valid TOML"),
        (
            '[data]\nmean=[0]\ncov=[[1]]\n[error]\nxi=[1]\nprofile="wobbly"',
            "config [error]: profile='wobbly' must be one of constant, noisy, clean",
        ),
        ("[data]\nmean=[0]\ncov=[[1]]\n[error]\nxi=[1]\n[extra]\nx=1", "config [extra]: unknown"),
    ],
)
def test_oracle_bad_configs_name_the_field(tmp_path, capsys, text, message):
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    assert main(["oracle", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
