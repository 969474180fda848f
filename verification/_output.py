"""Shared output helpers of the verification package: palette, JSON, atomic writes and staged
output folders (private).

JSON. Every JSON the package writes goes through :func:`json_safe`: infinities become the strings
``"inf"`` / ``"-inf"``, NaN (a field that does not apply) becomes ``null``, NumPy scalars and
arrays become Python numbers and lists; :func:`dumps` then refuses anything else non-finite, so
the output is always valid JSON (RFC 8259 has no ``Infinity``).

Output folders. A command that writes several files (``verify``, ``phase``) writes them into a
staging folder ``OUT/.stage.PID.RANDOM.part`` and, once every file is complete, moves them into
``OUT`` one rename each, with ``SIGINT`` / ``SIGTERM`` held back during the moves: an
interruption before the end leaves the previous set untouched (plus the staging folder, which
the next run removes), never a partial report beside older figures.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from gaussian_oracle._files import atomic_write, remove_stale

__all__ = [
    "PALETTE",
    "Staging",
    "atomic_write",
    "dumps",
    "figure_writer",
    "json_default",
    "json_safe",
]

#: Okabe–Ito colours (colour-blind safe)
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")

_STAGE_PREFIX = ".stage."


def json_safe(x: Any) -> Any:
    """``x`` with infinities as ``"inf"`` / ``"-inf"``, NaN as ``None`` and NumPy types as Python
    ones, recursively through dicts, lists and tuples."""
    if isinstance(x, dict):
        return {str(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [json_safe(v) for v in x]
    if isinstance(x, np.ndarray):
        return json_safe(x.tolist())
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        v = float(x)
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    return x


def json_default(x: Any) -> Any:
    if isinstance(x, np.generic):
        return json_safe(x.item())
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def dumps(x: Any, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`json_safe` ``(x)``: valid JSON or an error, never ``Infinity``."""
    return json.dumps(json_safe(x), allow_nan=False, default=json_default, **kwargs)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold ``SIGINT`` / ``SIGTERM`` back while the block runs (main thread only)."""
    held: list[int] = []
    previous: dict[Any, Any] = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda number, _frame: held.append(number))
    except ValueError:  # not the main thread: nothing to hold
        previous.clear()
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if held:
            signal.raise_signal(held[0])


def check_output_folder(out: Path, flag: str = "--out") -> None:
    """Refuse an output path that is a file, or whose folder cannot be created or written,
    before any work is done (the message names ``flag`` and the path)."""
    from ._errors import VerificationError

    if out.exists() and not out.is_dir():
        raise VerificationError(f"{flag} {out}: exists and is not a folder")
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise VerificationError(f"{flag} {out}: {probe} is not a writable folder")


def figure_writer(fig: Any, format: str = "png", dpi: int = 150) -> Callable[[Any], None]:
    """A writer for :func:`atomic_write` that saves ``fig`` (a Figure: no pyplot state)."""

    def write(handle: Any) -> None:
        fig.savefig(handle, format=format, dpi=dpi)

    return write


class Staging:
    """A staging folder for a set of output files, moved into ``out`` at :meth:`commit`.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "results"
    >>> with Staging(out) as stage:
    ...     _ = (stage.path / "a.txt").write_text("a")
    ...     paths = stage.commit()
    >>> [p.name for p in paths], sorted(x.name for x in out.iterdir())
    (['a.txt'], ['a.txt'])
    """

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        remove_stale(self.out, _STAGE_PREFIX)  # leftovers of killed runs
        self.path = Path(
            tempfile.mkdtemp(dir=self.out, prefix=f"{_STAGE_PREFIX}{os.getpid()}.", suffix=".part")
        )

    def write(self, name: str, write: Callable[[Any], None], mode: str = "w") -> Path:
        """Write ``name`` into the staging folder (atomically there too)."""
        return atomic_write(self.path / name, write, mode)

    def write_figure(self, name: str, fig: Any, dpi: int = 150) -> Path:
        """Write a matplotlib Figure as ``name`` (its format from the suffix)."""
        return self.write(name, figure_writer(fig, Path(name).suffix[1:], dpi), "wb")

    def commit(self) -> list[Path]:
        """Move every staged file into ``out`` (signals held) and remove the staging folder."""
        names = sorted(p.name for p in self.path.iterdir() if not p.name.startswith("."))
        moved = []
        with _signals_held():
            for name in names:
                os.replace(self.path / name, self.out / name)
                moved.append(self.out / name)
        self._discard()
        return moved

    def _discard(self) -> None:
        for p in self.path.iterdir():
            p.unlink()
        self.path.rmdir()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.path.exists():  # not committed: leave the previous set as it was
            self._discard()
