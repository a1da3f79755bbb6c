"""Format a syntax tree back to canonical criteria-language text.

`parse_rule(format_rule(tree)) == tree` for every tree: nested `and`/`or` of the same kind
keep their parentheses, and numbers print exactly as their Decimal.
"""

from __future__ import annotations

from decimal import Decimal

from trialdesk.criteria import ast

_PRECEDENCE = {ast.Or: 1, ast.And: 2, ast.Not: 3}


def _number(value: Decimal) -> str:
    # Decimal keeps what was written ("1.50" stays "1.50"); avoid exponent forms.
    text = format(value, "f")
    return text


def _duration(node: ast.Duration) -> str:
    if isinstance(node, ast.Span):
        # "1 year", "3 years": the tree keeps the plural, the text reads naturally
        return f"{node.amount} {node.unit[:-1] if node.amount == 1 else node.unit}"
    if isinstance(node, ast.HalfLives):
        return f"{_number(node.factor)} half_lives"
    return f"shorter_of({_duration(node.first)}, {_duration(node.second)})"


def _window(node: ast.Window) -> str:
    return f"within {_duration(node.duration)} before {node.ref}"


def _value(node: ast.Value) -> str:
    if isinstance(node, ast.Field):
        return ".".join(node.path)
    if isinstance(node, ast.Age):
        return f"age_at({node.at})"
    if isinstance(node, ast.Latest):
        options = [node.code]
        if node.window is not None:
            options.append(_window(node.window))
        if node.unsupported_for is not None:
            options.append(f"no support within {_duration(node.unsupported_for)}")
        if node.method is not None:
            options.append(f"by {node.method}")
        return f"latest({', '.join(options)})"
    if isinstance(node, ast.CreatinineClearance):
        inner = _window(node.window) if node.window is not None else ""
        return f"creatinine_clearance({inner})"
    return f"attestation({node.topic})"


def _bound(node: ast.Bound) -> str:
    if isinstance(node, ast.Quantity):
        return _number(node.value) + (f" {node.unit}" if node.unit else "")
    if isinstance(node, ast.LimitMultiple):
        return f"{_number(node.factor)} x {node.limit}"
    return node.name


def _child(node: ast.Expr, parent: type) -> str:
    text = format_rule(node)
    child_rank = _PRECEDENCE.get(type(node), 4)
    parent_rank = _PRECEDENCE[parent]
    # Same-kind nesting keeps its parentheses so that re-parsing does not flatten it.
    if child_rank < parent_rank or (child_rank == parent_rank and parent is not ast.Not):
        return f"({text})"
    return text


def format_rule(node: ast.Expr) -> str:
    """The canonical text of a rule.

    >>> from trialdesk.criteria.parse import parse_rule
    >>> format_rule(parse_rule("latest( alt )<=2.5 x ULN  or  not (a and b)"))
    'latest(alt) <= 2.5 x ULN or not (a and b)'
    """
    if isinstance(node, ast.Literal):
        return "true" if node.value else "false"
    if isinstance(node, ast.Not):
        return f"not {_child(node.operand, ast.Not)}"
    if isinstance(node, ast.And):
        return " and ".join(_child(op, ast.And) for op in node.operands)
    if isinstance(node, ast.Or):
        return " or ".join(_child(op, ast.Or) for op in node.operands)
    if isinstance(node, ast.Compare):
        return f"{_value(node.left)} {node.op} {_bound(node.right)}"
    if isinstance(node, ast.Between):
        return f"{_value(node.value)} between {_bound(node.low)} and {_bound(node.high)}"
    if isinstance(node, ast.Member):
        return f"{_value(node.field)} in [{', '.join(s.name for s in node.values)}]"
    if isinstance(node, ast.DateTest):
        relation = {"within": "within", "at_least": "at least", "more_than": "more than"}[node.relation]
        return f"{_value(node.field)} {relation} {_duration(node.duration)} before {node.ref}"
    if isinstance(node, ast.Flag):
        return _value(node.field)
    if isinstance(node, ast.Quantifier):
        if node.where is None:
            return f"{node.kind}({node.collection})"
        return f"{node.kind}({node.collection}, {format_rule(node.where)})"
    return f"attested({node.topic})"
