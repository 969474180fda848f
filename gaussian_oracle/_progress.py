"""Progress bars of long calls (tqdm), shared by the oracle, the verifier and the commands.

``progress`` arguments take ``None`` (the default: a bar on stderr when it is a terminal,
nothing otherwise, so logs and pipes stay clean), ``True`` (always), ``False`` (never) or, where
a function documents it, a callable ``(done, total, label)`` called after each step.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from tqdm import tqdm

from ._errors import OracleDomainError

__all__ = ["ProgressArg", "bar", "check_progress", "reporter"]

ProgressArg = bool | None | Callable[[int, int, str], None]


def check_progress(value: Any) -> bool | None:
    """``value`` if it is ``None`` or a bool, else a specific error."""
    if value is None or isinstance(value, bool):
        return value
    raise OracleDomainError(f"progress={value!r} must be a bool (or None: when stderr is a tty)")


def bar(total: int, desc: str, progress: bool | None, unit: str = "it") -> Any:
    """A tqdm bar of ``total`` steps on stderr; disabled per ``progress`` (module docstring)."""
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        disable=None if progress is None else not progress,
        leave=False,
        dynamic_ncols=True,
    )


def reporter(
    progress: ProgressArg, desc: str, unit: str = "it"
) -> tuple[Callable[[int, int, str], None] | None, Callable[[], None]]:
    """A ``(done, total, label)`` callback for ``progress`` and a function that closes it.

    A callable is passed through; ``None`` / ``True`` / ``False`` become a tqdm bar (created at
    the first call, when the total is known).
    """
    if callable(progress):
        return progress, lambda: None
    if progress is False:
        return None, lambda: None
    state: dict[str, Any] = {}

    def report(done: int, total: int, label: str) -> None:
        if "bar" not in state:
            state["bar"] = bar(total, desc, progress, unit)
        b = state["bar"]
        b.set_postfix_str(label[:40], refresh=False)
        b.update(done - b.n)

    def close() -> None:
        if "bar" in state:
            state["bar"].close()

    return report, close
