"""The grammar, the syntax tree and canonical formatting: parse ∘ format is the identity."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialdesk.criteria import ast
from trialdesk.criteria.format import format_rule
from trialdesk.criteria.parse import RESERVED, parse_rule
from trialdesk.errors import RuleSyntaxError
from trialdesk.protocol.load import LoadedProtocol

names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(lambda n: n not in RESERVED and n not in {"x"})
numbers = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)
units = st.sampled_from(["10^9/L", "g/dL", "g/L", "umol/L", "mg/dL", "mL/min", "mm[Hg]", "%", "U/L", "[IU]/mL", None])
time_units = st.sampled_from(["hours", "days", "weeks", "months", "years"])
refs = st.sampled_from(["first_dose", "as_of"])
fields = st.builds(ast.Field, st.lists(names, min_size=1, max_size=2).map(tuple))
spans = st.builds(ast.Span, st.integers(min_value=0, max_value=400), time_units)
durations = st.recursive(
    st.one_of(spans, st.builds(ast.HalfLives, numbers)),
    lambda inner: st.builds(ast.ShorterOf, inner, inner),
    max_leaves=3,
)
windows = st.builds(ast.Window, spans, refs)
values = st.one_of(
    fields,
    st.builds(ast.Age, refs),
    st.builds(ast.Latest, names, st.none() | windows, st.none() | spans, st.none() | names),
    st.builds(ast.CreatinineClearance, st.none() | windows),
    st.builds(ast.AttestationValue, names),
)
bounds = st.one_of(
    st.builds(ast.Quantity, numbers, units),
    st.builds(ast.LimitMultiple, numbers, st.sampled_from(["ULN", "LLN"])),
    st.builds(ast.Symbol, names),
)
leaves = st.one_of(
    st.builds(ast.Literal, st.booleans()),
    st.builds(ast.Compare, values, st.sampled_from(["<", "<=", ">", ">=", "=", "!="]), bounds),
    st.builds(ast.Between, values, st.builds(ast.Quantity, numbers, units), st.builds(ast.Quantity, numbers, units)),
    st.builds(ast.Member, fields, st.lists(st.builds(ast.Symbol, names), min_size=1, max_size=3).map(tuple)),
    st.builds(ast.DateTest, fields, st.sampled_from(["within", "at_least", "more_than"]), durations, refs),
    st.builds(ast.Flag, fields),
    st.builds(ast.Attested, names),
    st.builds(ast.Quantifier, st.sampled_from(["any", "none"]), st.sampled_from(sorted(ast.COLLECTIONS)), st.none()),
)


def _compound(inner: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    operands = st.lists(inner, min_size=2, max_size=3).map(tuple)
    return st.one_of(
        st.builds(ast.Not, inner),
        st.builds(ast.And, operands),
        st.builds(ast.Or, operands),
        st.builds(ast.Quantifier, st.sampled_from(["any", "none"]), st.sampled_from(sorted(ast.COLLECTIONS)), inner),
    )


trees = st.recursive(leaves, _compound, max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(trees)
def test_parse_of_format_is_the_identity(tree: ast.Expr) -> None:
    assert parse_rule(format_rule(tree)) == tree


def test_every_shipped_rule_round_trips(protocols: dict[str, LoadedProtocol]) -> None:
    for protocol in protocols.values():
        for criterion in protocol.criteria:
            for reading in criterion.readings:
                text = format_rule(reading.rule)
                assert parse_rule(text) == reading.rule
                assert format_rule(parse_rule(text)) == text


def test_precedence_not_binds_tighter_than_and_than_or() -> None:
    a, b, c = (ast.Flag(ast.Field((n,))) for n in "abc")
    assert parse_rule("not a and b or c") == ast.Or((ast.And((ast.Not(a), b)), c))
    assert parse_rule("a or b and c") == ast.Or((a, ast.And((b, c))))


def test_a_rule_from_the_protocol_reads_as_written() -> None:
    # NCT07520357: "ALT and AST ≤ 3× ULN (≤ 5.0× ULN if liver metastases)"
    tree = parse_rule("latest(alt, within 14 days before first_dose) <= 3 x ULN")
    assert tree == ast.Compare(
        ast.Latest("alt", ast.Window(ast.Span(14, "days"), "first_dose")), "<=", ast.LimitMultiple(Decimal(3), "ULN")
    )


def test_singular_time_units_mean_the_plural() -> None:
    assert parse_rule("onset within 1 year before first_dose") == parse_rule("onset within 1 years before first_dose")


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("latest(anc >= 1.5 10^9/L", 1, 12),
        ("age_at(first_dose) between 18 years", 1, 36),
        ("attested(consent) and\n  and x", 2, 3),
        ("any(therapies, agent.is_adc)", 1, 5),
    ],
)
def test_syntax_errors_name_line_and_column(text: str, line: int, column: int) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule(text)
    assert (info.value.line, info.value.column) == (line, column)
    shown = str(info.value).splitlines()
    caret = next(s for s in shown if s.strip() == "^")
    assert caret.index("^") - 4 == column - 1


def test_a_half_day_duration_is_refused() -> None:
    with pytest.raises(RuleSyntaxError, match="whole number"):
        parse_rule("last_dose within 1.5 days before first_dose")
