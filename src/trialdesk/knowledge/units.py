"""Unit spelling and conversion: every quantity carries its unit, and nothing is assumed.

Lab units arrive spelled many ways (``µmol/L``, ``umol/l``, ``μmol/L``, ``10⁹/L``,
``x10^9/L``, ``10*9/L``). `normalize_unit` maps a spelling to one comparable key; the
conversion factors themselves are data in ``labs.yaml`` (value in canonical unit =
value × factor), so that adding a unit is a data change.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_MICRO = ("µ", "μ")  # U+00B5 MICRO SIGN and U+03BC GREEK SMALL LETTER MU


@lru_cache(maxsize=1024)  # a pure function of a short string, called per comparison
def normalize_unit(unit: str) -> str:
    """Return the comparison key of a unit spelling.

    >>> normalize_unit("×10⁹/L") == normalize_unit("10^9/L") == normalize_unit("10*9/l")
    True
    >>> normalize_unit("µmol/L") == normalize_unit("umol/L")
    True
    """
    text = unit.strip()
    for micro in _MICRO:
        text = text.replace(micro, "u")
    text = text.replace(" ", "")
    if any(ch in text for ch in "⁰¹²³⁴⁵⁶⁷⁸⁹"):
        # a superscript exponent such as 10⁹ means 10^9
        out = []
        in_exponent = False
        for ch in text:
            plain = ch.translate(_SUPERSCRIPTS)
            if plain != ch and not in_exponent:
                out.append("^")
                in_exponent = True
            elif plain == ch:
                in_exponent = False
            out.append(plain)
        text = "".join(out)
    text = text.replace("**", "^").replace("*", "^")
    if text[:1] in ("×", "x", "X") and text[1:3] == "10":
        text = text[1:]
    return text.lower()


def convert(value: Decimal, factor_from: Decimal, factor_to: Decimal) -> Decimal:
    """Convert between two units of one quantity, each given by its factor to the canonical
    unit (value_canonical = value × factor)."""
    if factor_from == factor_to:
        return value
    return value * factor_from / factor_to
