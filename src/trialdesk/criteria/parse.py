"""Parse criteria-language text into the syntax tree (`trialdesk.criteria.ast`).

The grammar file `grammar.lark` is the specification; Lark builds an LALR(1) parser from
it once per process (and caches the analysed grammar on disk, so a command-line run does
not pay for it again).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from trialdesk.criteria import ast
from trialdesk.errors import RuleSyntaxError

GRAMMAR = Path(__file__).with_name("grammar.lark")


@cache
def _parser() -> Lark:
    # One parser per process, built from the grammar file; cache=True keeps the analysed
    # grammar on disk between processes, which is most of a cold start.
    return Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", cache=True, maybe_placeholders=False)


# Words of the language that can never be a field or a code; the contextual lexer would
# otherwise read "a and and b" as a field named "and".
RESERVED = frozenset(
    [
        "and",
        "or",
        "not",
        "in",
        "between",
        "within",
        "before",
        "at",
        "least",
        "more",
        "than",
        "any",
        "none",
        "true",
        "false",
        "latest",
        "age_at",
        "attested",
        "attestation",
        "creatinine_clearance",
        "no",
        "support",
        "by",
        "x",
        "shorter_of",
        "half_lives",
    ]
)


class _PositionedError(ValueError):
    """A check on a parsed token that fails, carrying the token's position."""

    def __init__(self, token: Token, message: str) -> None:
        self.line = token.line or 1
        self.column = token.column or 1
        super().__init__(message)


class _MisplacedKeywordError(ValueError):
    def __init__(self, token: Token) -> None:
        self.line = token.line or 1
        self.column = token.column or 1
        super().__init__(f"a name, not the keyword {str(token)!r}")


def _name(token: Token) -> str:
    if str(token) in RESERVED:
        raise _MisplacedKeywordError(token)
    return str(token)


def _plural(unit: Token) -> str:
    # "1 year" and "1 years" mean the same; the tree keeps the plural
    text = str(unit)
    return text if text.endswith("s") else text + "s"


def _number(token: Token) -> Decimal:
    return Decimal(str(token))


@v_args(inline=True)
class _ToAst(Transformer[Token, ast.Expr]):
    # -- expressions
    def disjunction(self, *operands: ast.Expr) -> ast.Or:
        return ast.Or(tuple(operands))

    def conjunction(self, *operands: ast.Expr) -> ast.And:
        return ast.And(tuple(operands))

    def negation(self, operand: ast.Expr) -> ast.Not:
        return ast.Not(operand)

    def literal(self, token: Token) -> ast.Literal:
        return ast.Literal(str(token) == "true")

    def comparison(self, left: ast.Value, op: Token, right: ast.Bound) -> ast.Compare:
        return ast.Compare(left, str(op), right)  # type: ignore[arg-type]

    def between(self, value: ast.Value, low: ast.Quantity, high: ast.Quantity) -> ast.Between:
        return ast.Between(value, low, high)

    def member(self, field: ast.Field, *values: ast.Symbol) -> ast.Member:
        return ast.Member(field, tuple(values))

    def within(self, field: ast.Field, duration: ast.Duration, ref: Token) -> ast.DateTest:
        return ast.DateTest(field, "within", duration, str(ref))  # type: ignore[arg-type]

    def at_least(self, field: ast.Field, duration: ast.Duration, ref: Token) -> ast.DateTest:
        return ast.DateTest(field, "at_least", duration, str(ref))  # type: ignore[arg-type]

    def more_than(self, field: ast.Field, duration: ast.Duration, ref: Token) -> ast.DateTest:
        return ast.DateTest(field, "more_than", duration, str(ref))  # type: ignore[arg-type]

    def quantifier(self, kind: Token, collection: Token, where: ast.Expr | None = None) -> ast.Quantifier:
        return ast.Quantifier(str(kind), str(collection), where)  # type: ignore[arg-type]

    def attested(self, topic: Token) -> ast.Attested:
        return ast.Attested(str(topic))

    def flag(self, field: ast.Field) -> ast.Flag:
        return ast.Flag(field)

    # -- values
    def age(self, ref: Token) -> ast.Age:
        return ast.Age(str(ref))  # type: ignore[arg-type]

    def latest(self, code: Token, *options: Any) -> ast.Latest:
        window = next((o for o in options if isinstance(o, ast.Window)), None)
        support = next((o[1] for o in options if isinstance(o, tuple) and o[0] == "support"), None)
        method = next((o[1] for o in options if isinstance(o, tuple) and o[0] == "method"), None)
        return ast.Latest(str(code), window, support, method)

    def window(self, duration: ast.Duration, ref: Token) -> ast.Window:
        return ast.Window(duration, str(ref))  # type: ignore[arg-type]

    def no_support(self, duration: ast.Duration) -> tuple[str, ast.Duration]:
        return ("support", duration)

    def method(self, name: Token) -> tuple[str, str]:
        return ("method", str(name))

    def creatinine_clearance(self, window: ast.Window | None = None) -> ast.CreatinineClearance:
        return ast.CreatinineClearance(window)

    def attestation_value(self, topic: Token) -> ast.AttestationValue:
        return ast.AttestationValue(str(topic))

    def field(self, *names: Token) -> ast.Field:
        return ast.Field(tuple(_name(n) for n in names))

    # -- bounds
    def quantity(self, number: Token, unit: Token | None = None) -> ast.Quantity:
        if unit is not None and unit.type == "TIME_UNIT":
            return ast.Quantity(_number(number), _plural(unit))
        return ast.Quantity(_number(number), str(unit) if unit is not None else None)

    def limit_multiple(self, number: Token, limit: Token) -> ast.LimitMultiple:
        return ast.LimitMultiple(_number(number), str(limit))  # type: ignore[arg-type]

    def symbol(self, name: Token) -> ast.Symbol:
        return ast.Symbol(_name(name))

    # -- durations
    def span(self, amount: Token, unit: Token) -> ast.Span:
        value = _number(amount)
        if value != value.to_integral_value():
            raise _PositionedError(
                amount, f"a whole number of {_plural(unit)} (a duration is counted in whole units), not {amount}"
            )
        return ast.Span(int(value), _plural(unit))  # type: ignore[arg-type]

    def half_lives(self, factor: Token) -> ast.HalfLives:
        return ast.HalfLives(_number(factor))

    def shorter_of(self, first: ast.Duration, second: ast.Duration) -> ast.ShorterOf:
        return ast.ShorterOf(first, second)


def _expected(exc: UnexpectedInput) -> str:
    expected: set[str] = set()
    if isinstance(exc, UnexpectedToken | UnexpectedEOF):
        expected = set(exc.expected)
    elif isinstance(exc, UnexpectedCharacters):
        expected = set(exc.allowed or ())
    shown = sorted(name.strip("_").lower() for name in expected if not name.startswith("__"))
    return ", ".join(shown[:12]) or "a valid continuation"


def parse_rule(text: str, *, where: str = "") -> ast.Expr:
    """Parse one rule; a syntax error names line and column and shows a caret.

    >>> parse_rule("latest(anc) >= 1.5 10^9/L")
    Compare(left=Latest(code='anc', window=None, unsupported_for=None, method=None), op='>=', right=Quantity(value=Decimal('1.5'), unit='10^9/L'))
    """
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        history = getattr(exc, "token_history", None) or []
        if history and history[-1].type == "NAME" and str(history[-1]) in RESERVED:
            # a keyword where a name was expected ("a and and b") reads as a name to the
            # lexer; point at the keyword, not at whatever follows it
            misplaced = _MisplacedKeywordError(history[-1])
            raise RuleSyntaxError(text, misplaced.line, misplaced.column, str(misplaced), where=where) from None
        line = getattr(exc, "line", 1)
        column = getattr(exc, "column", 1)
        at_end = isinstance(exc, UnexpectedToken) and exc.token.type == "$END"
        if isinstance(exc, UnexpectedEOF) or at_end or line is None or line < 0:
            lines = text.splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
        raise RuleSyntaxError(text, line, column, _expected(exc), where=where) from None
    try:
        result: ast.Expr = _ToAst().transform(tree)
    except VisitError as exc:  # a transformer check failed: a keyword used as a name, ...
        line = getattr(exc.orig_exc, "line", 1)
        column = getattr(exc.orig_exc, "column", 1)
        raise RuleSyntaxError(text, line, column, str(exc.orig_exc), where=where) from None
    return result
