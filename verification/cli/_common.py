"""Pieces shared by the command-line modules (private; imports nothing heavy)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

PROG = "diffusion-collapse"

LAW_HELP = (
    'a law as JSON text or a path to a .json file: {"mean": [...], "cov": [[...]]} for a '
    'Gaussian, {"weights": [...], "means": [[...]], "covs": [[[...]]]} for a mixture'
)


class UsageError(Exception):
    """Bad command-line input: reported in one line, exit status 2."""


class ComputationError(Exception):
    """A computation that could not be carried out on valid input: one line, exit status 1."""


def version() -> str:
    try:
        return metadata.version("diffusion-collapse")
    except metadata.PackageNotFoundError:  # running from a source tree without installing
        return "unknown (not installed)"


def read_text(what: str, path: Path) -> str:
    """A UTF-8 text file, or a :class:`UsageError` naming it (missing, unreadable, not UTF-8)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{what}: {path} is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except OSError as exc:
        raise UsageError(f"{what}: cannot read {path}: {exc.strerror}") from exc


def parse_law(name: str, text: str) -> Any:
    """Parse a law from JSON (``json.loads`` only: no evaluation of any kind)."""
    if text.endswith(".json"):
        text = read_text(name, Path(text))
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{name}: not valid JSON ({exc.msg} at position {exc.pos})") from exc
    from .._config import law_from_config
    from .._errors import VerificationError

    try:
        return law_from_config(spec, name)  # the configuration schema's [data] rule
    except VerificationError as exc:
        raise UsageError(str(exc)) from exc


def div_record(d: Any) -> dict[str, Any]:
    """A divergence (or another labelled value) as a JSON-ready record."""
    return {
        "value": d.value,
        "abs_error": d.abs_error,
        "bias": d.bias,
        "method": d.method,
        "kind": d.kind,
        "exact": d.exact,
        "reason": d.reason,
        "n_samples": d.n_samples,
    }


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer ``>= minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} must be >= {minimum}")
        return value

    return parse


def finite_float(text: str) -> float:
    """An argparse type: a finite real number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{text!r} must be finite")
    return value


class Progress:
    """A progress bar on stderr (tqdm) when it is a terminal; plain lines every 10% otherwise,
    so logs keep a record."""

    def __init__(self, stream: Any = None, name: str = "verify", unit: str = "steps") -> None:
        self.name, self.unit = name, unit
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last = -1
        self.bar: Any = None

    def __call__(self, done: int, total: int, label: str) -> None:
        if self.tty:
            from tqdm import tqdm

            if self.bar is None:
                self.bar = tqdm(total=total, desc=self.name, unit=self.unit, file=self.stream)
            self.bar.set_postfix_str(label[:28], refresh=False)
            self.bar.update(done - self.bar.n)
            if done == total:
                self.bar.close()
        elif done * 10 // total != self.last:
            self.last = done * 10 // total
            print(
                f"{self.name}: {done}/{total} {self.unit} ({label})", file=self.stream, flush=True
            )


class LazyChoices(Sequence[str]):
    """The choices of an option, read from a registry (``module``'s ``attribute``) the first
    time they are needed: when the option is parsed or its help is shown. So ``--help`` does
    not import the oracle, and the choices are written in one place (the registry)."""

    def __init__(self, module: str, attribute: str) -> None:
        self._where = (module, attribute)
        self._items: tuple[str, ...] | None = None

    def _load(self) -> tuple[str, ...]:
        if self._items is None:
            import importlib

            module, attribute = self._where
            self._items = tuple(getattr(importlib.import_module(module), attribute))
        return self._items

    def __getitem__(self, i: Any) -> Any:
        return self._load()[i]

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, x: object) -> bool:
        return x in self._load()

    def __repr__(self) -> str:
        return repr(list(self._load()))


def out_folder(args: Any) -> Any:
    """The output folder ``args.out``, checked before any work (a usage error otherwise)."""
    from .._errors import VerificationError
    from .._output import check_output_folder

    out = Path(args.out)
    try:
        check_output_folder(out)
    except VerificationError as exc:
        raise UsageError(str(exc)) from exc
    return out
