"""The SQL compiler refuses what it cannot express exactly, naming the criterion, and
emits the same tree in other dialects."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from trialdesk.criteria import ast
from trialdesk.criteria.sql import CompileError, Dates, RuleCompiler
from trialdesk.knowledge.base import Knowledge
from trialdesk.population.prescreen import compile_protocol
from trialdesk.protocol.load import LoadedProtocol

INEXPRESSIBLE: dict[str, ast.Expr] = {
    # evaluate compares str(3) with the code `high`; the compiler does not guess a
    # text form of numbers
    "code-against-number": ast.Quantifier(
        "any", "adverse_event", ast.Compare(ast.Field(("grade",)), "=", ast.Symbol("high"))
    ),
    "half-lives-of-a-lesion": ast.Quantifier(
        "any",
        "lesion",
        ast.DateTest(ast.Field(("measured_on",)), "within", ast.HalfLives(Decimal(5)), "first_dose"),
    ),
    "item-field-outside-quantifier": ast.Flag(ast.Field(("measurable",))),
    "agent-class-against-number": ast.Quantifier(
        "any", "therapy", ast.Compare(ast.Field(("agent", "class")), "<", ast.Quantity(Decimal(1)))
    ),
}


@pytest.mark.parametrize("name", sorted(INEXPRESSIBLE))
def test_inexpressible_construct_raises_compile_error_naming_the_criterion(name: str, knowledge: Knowledge) -> None:
    compiler = RuleCompiler(knowledge)
    with pytest.raises(CompileError, match=f"criterion {name}"):
        compiler.truth(INEXPRESSIBLE[name], name)


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "spark"])
def test_every_shipped_criterion_compiles_and_emits_in_each_dialect(
    dialect: str, protocols: dict[str, LoadedProtocol], knowledge: Knowledge
) -> None:
    for protocol in protocols.values():
        compiled = compile_protocol(protocol, knowledge, Dates.literal(date(2026, 11, 20), date(2026, 11, 20)))
        assert list(compiled.criteria) == [pc.criterion.id for pc in protocol.criteria]
        text = compiled.sql(dialect)
        assert text.startswith("WITH")
        # every criterion is a column of the output
        for cid in compiled.criteria:
            assert f"AS {'`' if dialect == 'spark' else chr(34)}{cid}" in text


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "spark"])
def test_the_search_reads_stored_stages_that_the_script_creates_first(
    dialect: str, protocols: dict[str, LoadedProtocol], knowledge: Knowledge
) -> None:
    """With the earliest date, the script stores the screening at the planned first dose,
    the searched patients and their facts before the query that reads them; without it,
    one statement."""
    protocol = protocols["NCT07520357"]
    compiled = compile_protocol(protocol, knowledge)
    *stages, query = compiled.statements(dialect)
    names = [s.name for s in compiled.stages]
    assert names[:2] == ["td_nct07520357_screened", "td_searched"]
    assert "td_observations_searched" in names
    creates = [s for s in stages if not s.startswith("DROP")]
    assert len(creates) == len(names)
    for name, create in zip(names, creates, strict=True):
        assert create.startswith("CACHE TABLE" if dialect == "spark" else "CREATE TEMPORARY TABLE")
        assert name in create.split(" AS ")[0]
    assert "td_nct07520357_screened" in query
    # the search reads only the searched patients' facts, never a facts table itself
    assert "FROM observations" not in query
    assert len(compile_protocol(protocol, knowledge, earliest=False).statements(dialect)) == 1


def test_every_node_of_the_compiled_script_has_one_place(
    protocols: dict[str, LoadedProtocol], knowledge: Knowledge
) -> None:
    """The compiler builds its trees in place (no copy per CASE branch, which made
    compiling quadratic): a node put in two places would have its parent rewritten, and
    a later in-place edit (pointing the search at the searched patients' facts) would
    change both. Every node is therefore reachable once, from the one parent it names."""
    for protocol in protocols.values():
        for earliest in (True, False):
            compiled = compile_protocol(protocol, knowledge, earliest=earliest)
            seen: set[int] = set()
            for tree in [*(s.statement for s in compiled.stages), compiled.query]:
                for node in tree.walk():
                    assert id(node) not in seen, (protocol.id, node.sql()[:80])
                    seen.add(id(node))
                    for child in node.iter_expressions():
                        assert child.parent is node, (protocol.id, child.sql()[:80])
