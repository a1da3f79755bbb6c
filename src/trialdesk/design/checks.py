"""Argument checks shared by the design functions: each failure names the argument and the fix."""

from __future__ import annotations

import math
from numbers import Integral, Real

from trialdesk.errors import DesignError


def check_probability(name: str, value: object) -> float:
    """`value` as a float strictly between 0 and 1, or a DesignError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise DesignError(f"must be a number between 0 and 1 (exclusive), got {value!r}", argument=name)
    number = float(value)
    if not 0.0 < number < 1.0:
        raise DesignError(
            f"must lie strictly between 0 and 1, got {number!r}",
            argument=name,
            fix=f"give {name} as a proportion, e.g. 0.05 rather than 5",
        )
    return number


def check_response_rates(p0: object, p1: object) -> tuple[float, float]:
    """The null and alternative response rates, with p0 < p1 (the design tests H0: p ≤ p0)."""
    low = check_probability("p0", p0)
    high = check_probability("p1", p1)
    if low >= high:
        raise DesignError(
            f"the uninteresting response rate p0 = {low} must be below the target rate p1 = {high}",
            argument="p0",
            fix="p0 is the rate at which the treatment is not worth pursuing, p1 the rate it must reach",
        )
    return low, high


def check_count(name: str, value: object, *, minimum: int, maximum: int | None = None) -> int:
    """`value` as an int in [minimum, maximum], or a DesignError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise DesignError(f"must be a whole number, got {value!r}", argument=name)
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise DesignError(f"must be {bound}, got {number}", argument=name)
    return number
