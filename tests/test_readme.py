"""README's two commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_readme_commands_are_run_verbatim_by_ci():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)
    install_run, install_test = blocks[0].strip(), blocks[1].strip()
    assert "diffusion-collapse verify" in install_run
    assert install_test.endswith("pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert install_run in ci and install_test in ci


def _blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)\n```", readme, flags=re.S)


@pytest.mark.slow
def test_readme_python_examples_run(tmp_path, monkeypatch):
    """Every Python example of the README runs as written, in a fresh folder. A statement whose
    comment names an error (``# AssumptionError: ...``) must raise exactly that error."""
    import ast
    import warnings

    monkeypatch.chdir(tmp_path)
    assert len(_blocks()) >= 5
    for block in _blocks():
        scope: dict[str, object] = {}
        lines = block.splitlines()
        for node in ast.parse(block).body:
            src = "\n".join(lines[node.lineno - 1 : node.end_lineno])
            expected = re.search(r"#\s*(\w+Error)\b", lines[node.end_lineno - 1])
            code = compile(ast.Module([node], type_ignores=[]), "README.md", "exec")
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                if expected:
                    try:
                        exec(code, scope)
                    except Exception as exc:
                        assert type(exc).__name__ == expected.group(1), src
                    else:
                        raise AssertionError(f"README: {src!r} should raise {expected.group(1)}")
                else:
                    exec(code, scope)
