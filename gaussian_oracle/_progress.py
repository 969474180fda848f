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

__all__ = ["PassMeter", "ProgressArg", "bar", "check_progress", "reporter"]

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


class PassMeter:
    """Progress through passes of an integration over reverse time ``[0, horizon]``: a tqdm
    bar (per ``progress``, module docstring) in per cent of the planned passes. ``start(label)``
    opens the next pass (one beyond the plan extends the bar), ``at(tau)`` advances within it
    (stage times that step back after a rejected step do not move it)."""

    TICKS = 1000  # per pass

    def __init__(self, desc: str, horizon: float, passes: int, progress: bool | None) -> None:
        self.horizon, self.passes, self.index = float(horizon), passes, -1
        self.bar = tqdm(
            total=passes * self.TICKS,
            desc=desc,
            file=sys.stderr,
            disable=None if progress is None else not progress,
            leave=False,
            dynamic_ncols=True,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}{postfix}",
        )

    def start(self, label: str) -> None:
        self.index += 1
        if self.index >= self.passes:
            self.passes = self.index + 1
            self.bar.total = self.passes * self.TICKS
        self.bar.set_postfix_str(label, refresh=False)
        self.bar.update(self.index * self.TICKS - self.bar.n)

    def at(self, tau: float) -> None:
        tick = self.index * self.TICKS + int(self.TICKS * min(tau / self.horizon, 1.0))
        if tick > self.bar.n:
            self.bar.update(tick - self.bar.n)

    def finish(self) -> None:
        """The last pass is done: the bar at 100%, shown."""
        self.bar.update(self.bar.total - self.bar.n)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()
