"""Split a statement's common table expressions into stages an engine runs one by one.

Spark substitutes a CTE's whole plan at every place it is read; a compiled protocol reads
its candidate first doses from about fifty search CTEs, each of which reads the main
pass, so its plan grows with the product of the reference counts. Running the heavily
read CTEs first, as stages whose results are read by name, keeps every plan small.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlglot import exp


@dataclass(frozen=True)
class Stage:
    """A common table expression run on its own: `name` and a self-contained statement."""

    name: str
    statement: exp.Query


def _tables(node: exp.Expr) -> list[str]:
    return [t.name for t in node.find_all(exp.Table) if not t.args.get("db")]


def stage_ctes(statement: exp.Query, budget: int = 5_000) -> tuple[list[Stage], exp.Query]:
    """Split a statement's WITH clause: a CTE whose copies would add more than `budget`
    syntax nodes to the plan (its inlined size times its further references) becomes a
    `Stage`, in order, each carrying the unstaged CTEs it reads; the rest stay in the final
    statement. The budget keeps small CTEs (a lab pick read twice) inline, where a stage
    would cost a Spark job each."""
    with_ = statement.args.get("with_")
    if with_ is None:
        return [], statement
    ctes = {cte.alias: cte for cte in with_.expressions}
    body = statement.copy()
    body.set("with_", None)
    reads = Counter(name for node in (*ctes.values(), body) for name in _tables(node) if name in ctes)
    inlined: dict[str, int] = {}
    staged: list[str] = []
    for name, cte in ctes.items():
        size = sum(1 for _ in cte.this.walk()) + sum(inlined[t] for t in _tables(cte.this) if t in ctes)
        if (reads[name] - 1) * size > budget:
            staged.append(name)
            size = 1
        inlined[name] = size
    if not staged:
        return [], statement

    def with_needed(query: exp.Query) -> exp.Query:
        """`query` with the unstaged CTEs it reads, directly or through one another."""
        needed: set[str] = set()
        pending = list(_tables(query))
        while pending:
            name = pending.pop()
            if name in ctes and name not in staged and name not in needed:
                needed.add(name)
                pending += _tables(ctes[name].this)
        out = query.copy()
        if needed:
            out.set("with_", exp.With(expressions=[c.copy() for n, c in ctes.items() if n in needed]))
        return out

    return [Stage(name, with_needed(ctes[name].this)) for name in staged], with_needed(body)
