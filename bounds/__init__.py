"""The statements of Khelifa, Turner & Venkataramanan (ICML 2026) as numeric and symbolic functions.

Not implemented yet: this package is filled by the ``bounds`` issue (THEORY.md §2–§5). It exists
now so that the distribution's layout is final; it exports nothing.
"""

__all__: list[str] = []
