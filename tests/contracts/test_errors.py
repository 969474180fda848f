"""One error hierarchy: every public exception of the three packages, caught uniformly.

Every invalid-argument error is a ``ValueError`` subclass, and two public classes with the same
name are the same class (``bounds.DomainError`` and the oracle's used to be two classes).
"""

from __future__ import annotations

import warnings

import pytest

import bounds
import gaussian_oracle
import verification

PACKAGES = (bounds, gaussian_oracle, verification)


def _public_exceptions() -> list[tuple[str, str, type]]:
    out = []
    for pkg in PACKAGES:
        for name in pkg.__all__:
            obj = getattr(pkg, name)
            if isinstance(obj, type) and issubclass(obj, BaseException):
                out.append((pkg.__name__, name, obj))
    return out


def test_every_public_exception_is_found() -> None:
    names = {(p, n) for p, n, _ in _public_exceptions()}
    # a sample of each package, so that an empty listing cannot pass the tests below
    assert {("bounds", "DomainError"), ("gaussian_oracle", "OracleDomainError")} <= names
    assert ("verification", "VerificationError") in names


@pytest.mark.parametrize(("package", "name", "cls"), _public_exceptions())
def test_validation_errors_are_value_errors(package: str, name: str, cls: type) -> None:
    if cls is gaussian_oracle.FinitenessUndecidedError:  # not bad input: undecidable case
        assert issubclass(cls, ArithmeticError)
        return
    assert issubclass(cls, ValueError), f"{package}.{name}"


def test_same_name_same_class() -> None:
    seen: dict[str, type] = {}
    for package, name, cls in _public_exceptions():
        assert seen.setdefault(name, cls) is cls, f"{package}.{name} is a second class {name}"


def test_old_oracle_names_resolve_with_a_warning() -> None:
    with pytest.warns(DeprecationWarning, match="OracleDomainError"):
        old = gaussian_oracle.DomainError
    assert old is gaussian_oracle.OracleDomainError
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError, match="no attribute 'Nope'"):
            _ = gaussian_oracle.Nope


def test_one_except_clause_catches_every_package() -> None:
    for bad in (
        lambda: bounds.kl_upper(-1.0),
        lambda: gaussian_oracle.Gaussian(0.0, -1.0),
        lambda: verification.run_check("no-such-check", None),
    ):
        with pytest.raises(ValueError, match="="):  # each message names the parameter
            bad()
