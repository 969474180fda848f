"""Atomic file writes whose temporary files can be found and removed after a crash (private).

A file is written to ``.NAME.PID.RANDOM.part`` beside its target and renamed into place, so an
interruption leaves the old file (or none), never a partial one. A ``SIGKILL`` leaves the
``.part`` file behind; the next write of the same target removes every such file whose writing
process is gone (:func:`remove_stale`), so stale temporaries never accumulate and a
concurrent writer's file is left alone. Used by :meth:`Trajectory.save` and by the output
folders of :mod:`verification`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["atomic_write", "process_alive", "remove_stale", "umask_mode"]


def umask_mode(mode: int = 0o666) -> int:
    """``mode`` filtered by the process umask (what ``open`` would give a new file)."""
    mask = os.umask(0)
    os.umask(mask)
    return mode & ~mask


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this machine."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _pid_of(name: str, prefix: str) -> int | None:
    """The writer's pid in ``PREFIX.PID.RANDOM.part`` (None if the name is not of that form)."""
    middle = name[len(prefix) :].split(".")
    if not name.startswith(prefix) or len(middle) < 2 or not middle[0].isdigit():
        return None
    return int(middle[0])


def remove_stale(folder: Path, prefix: str, suffix: str = ".part") -> list[Path]:
    """Remove ``folder/PREFIX.PID.*SUFFIX`` entries whose process ``PID`` is gone; returns them.

    Folders are removed with their contents (staging folders of :mod:`verification`).
    """
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        pid = _pid_of(entry.name, prefix)
        if pid is None or not entry.name.endswith(suffix) or process_alive(pid):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                for sub in sorted(entry.rglob("*"), reverse=True):
                    if sub.is_dir():
                        sub.rmdir()
                    else:
                        sub.unlink()
                entry.rmdir()
            else:
                entry.unlink()
        except OSError:
            continue  # removed meanwhile or not ours to remove: leave it
        removed.append(entry)
    return removed


def temp_prefix(target: Path) -> str:
    """``.NAME.`` : the prefix of every temporary file written for ``target``."""
    return f".{target.name}."


def atomic_write(path: Path, write: Callable[[Any], None], mode: str = "w") -> Path:
    """Write ``path`` through a temporary file renamed into place (module docstring).

    ``write`` receives the open handle (text with ``mode="w"``, binary with ``"wb"``).
    Permissions follow the umask, as ``open`` would give; stale temporaries of the same target
    from dead processes are removed first.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    prefix = temp_prefix(path)
    remove_stale(folder, prefix)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{prefix}{os.getpid()}.", suffix=".part")
    try:
        with os.fdopen(fd, mode) as handle:
            write(handle)
        os.chmod(tmp, umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
