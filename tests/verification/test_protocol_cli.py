"""``diffusion-collapse protocol`` and the protocol figures, on a tiny scale (the command's
scales are patched: the small scale itself takes ~2.5 min, benchmarks/bench_protocol.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gaussian_oracle import ProtocolGaps, paper_data, protocol_gaps
from gaussian_oracle import _protocol_gaps as G
from verification._protocol_plot import contribution_figure, gap_figure, projection_figure
from verification.cli import main

TINY = {"n_samples": 200, "n_steps": 4, "generations": 2, "runs": 2, "estimator_paths": 264}


@pytest.fixture(scope="module")
def gaps():
    return protocol_gaps(paper_data(dim=3), alphas=(0.1, 0.9), rng=np.random.default_rng(0),
                         literal_estimators=True, keep=(0, 2), **TINY)  # fmt: skip


def test_figures_have_one_panel_per_alpha_and_generation(gaps):
    assert len(gap_figure(gaps).axes) == 2
    assert len(projection_figure(gaps).axes) == 2 * 2  # alphas x kept generations (0, 2)
    ax = contribution_figure(gaps).axes[2]
    assert len(ax.get_legend().get_texts()) == 2
    assert ax.get_yscale() == "log"


def test_protocol_command_writes_the_set_and_prints_the_table(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(G.SCALES, "small", TINY)
    out = tmp_path / "proto"
    assert main(["protocol", "--out", str(out), "--runs", "2"]) == 0
    captured = capsys.readouterr()
    text = captured.out
    assert "kernel pairs" in captured.err and "9/9 run sets" in captured.err  # estimate, progress
    assert (
        "| 0.5 | + standard init |" in text and "wrote 14 files" in text
    )  # 9 runs, gaps.json, gaps.md, 3 figures
    names = sorted(p.name for p in out.iterdir())
    assert "gaps.md" in names and "protocol-contributions.png" in names
    doc = json.loads((out / "gaps.json").read_text())
    assert doc["chain"][0] == "exact closure" and doc["settings"]["n_samples"] == 200
    back = ProtocolGaps.load(out)
    assert back.alphas == (0.1, 0.5, 0.9) and back.generation == 2


def test_protocol_command_alphas_option(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(G.SCALES, "small", TINY)
    assert main(["protocol", "--out", str(tmp_path), "--quiet", "--alphas", "0.3"]) == 0
    assert "| 0.3 | + discretisation |" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:  # an argparse type error: usage, status 2
        main(["protocol", "--out", str(tmp_path), "--alphas", "0.3,1.5"])
    assert exc.value.code == 2
    assert "every alpha must lie in [0, 1]" in capsys.readouterr().err


def test_protocol_command_rejects_a_file_as_output(tmp_path, capsys):
    f = tmp_path / "f"
    f.write_text("x")
    assert main(["protocol", "--out", str(f)]) == 2
    assert "not a folder" in capsys.readouterr().err
