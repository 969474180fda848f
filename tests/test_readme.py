"""README's two commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_commands_are_run_verbatim_by_ci():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)
    install_run, install_test = blocks[0].strip(), blocks[1].strip()
    assert "diffusion-collapse verify" in install_run
    assert install_test.endswith("pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert install_run in ci and install_test in ci
