"""Evaluate a rule for one patient: Kleene three-valued logic with evidence.

One function per node type. Each returns an `Outcome`: the truth value (None for
unknown), the facts used, what would settle an unknown (with its date window), and the
next date on which the value may change as the planned first dose moves later. Data that
is missing, too old or not convertible never yields a definite value.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from trialdesk.criteria import ast
from trialdesk.criteria.fields import Item, agent_values, describe, drug_attribute, resolve
from trialdesk.criteria.outcome import FALSE, TRUE, Evidence, Need, Outcome, all_of, any_of, negate
from trialdesk.knowledge.base import Knowledge
from trialdesk.patient.dates import age_in_years, birthday, days_before
from trialdesk.patient.measures import creatinine_clearance_cockcroft_gault
from trialdesk.patient.view import ObservationView, PatientView

# UCUM lengths of time units in days, for comparing attested durations (mo = 30.4375 d).
_UNIT_DAYS = {"days": Decimal(1), "weeks": Decimal(7), "months": Decimal("30.4375"), "years": Decimal("365.25")}


@dataclass(frozen=True)
class Settings:
    """Assumptions a screening makes where a protocol is silent; each is reported when used.

    default_window_days: how recent an observation must be when the rule states no window.
    review_max_age_days: how long a section reviewed as complete counts as complete.
    """

    default_window_days: int = 14
    review_max_age_days: int = 28


# Dates that say how fresh a record is (a scan, a specimen), not when an event happened:
# like observation windows, they are judged against `Context.data_ref`.
FRESHNESS_FIELDS = frozenset({"measured_on", "collected_on"})


class Context(NamedTuple):
    """What a rule is evaluated against (a named tuple: one is made per item a quantifier
    looks at, and a tuple is the cheapest immutable value).

    `first_dose` places event windows (a washout, an MI within a year, an age). Freshness
    windows (how recent a lab, a scan or a section review must be) are placed on
    `data_ref` when it is set: the search for the earliest eligible date holds them at
    the planned first dose, asking when the events would allow enrolment if today's data
    were repeated then; without it they move with the first dose, which is how the date
    a pass expires is found."""

    view: PatientView
    knowledge: Knowledge
    as_of: date
    first_dose: date
    settings: Settings
    item: Item | None = None
    data_ref: date | None = None
    # facts shared by many criteria of one screening at one date (a section's review
    # status): computed once, keyed by what they depend on
    memo: dict[Any, Any] | None = None
    # what depends on a rule alone (a quantifier's filter, a threshold in canonical units),
    # kept by the screener for the life of its protocol, keyed by node identity
    static: dict[Any, Any] | None = None

    def ref(self, name: str) -> date:
        return self.first_dose if name == "first_dose" else self.as_of

    def fresh_ref(self, name: str) -> date:
        if name == "first_dose" and self.data_ref is not None:
            return self.data_ref
        return self.ref(name)

    def inside(self, item: Item) -> Context:
        return Context(
            self.view,
            self.knowledge,
            self.as_of,
            self.first_dose,
            self.settings,
            item,
            self.data_ref,
            self.memo,
            self.static,
        )


_MISSING = object()


def _static(ctx: Context, key: tuple[Any, ...], compute: Callable[..., Any], *args: Any) -> Any:
    """A value that depends only on the rule (and the knowledge base), computed once per
    screener. Callers key nodes by id(): a node lives as long as the protocol that holds
    it, and hashing a whole subtree by value would cost more than the computation."""
    cache = ctx.static
    if cache is None:
        return compute(*args)
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        found = cache[key] = compute(*args)
    return found


def evaluate(node: ast.Expr, ctx: Context) -> Outcome:
    """The outcome of `node` for the patient, as of `ctx.as_of`, for a first dose on
    `ctx.first_dose`."""
    return _EXPR[type(node)](node, ctx)


# -- helpers --------------------------------------------------------------------------------
def _cmp(a: Decimal, op: str, b: Decimal) -> bool:
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "=":
        return a == b
    return a != b


def _num(value: Decimal) -> str:
    if value % 1 == 0:
        return str(int(value))
    return format(round(value, 2).normalize(), "f")


def _unknown(need: Need, *evidence: Evidence, assumptions: tuple[str, ...] = ()) -> Outcome:
    return Outcome(None, tuple(evidence), (need,), None, assumptions)


def _moves(ctx: Context, ref: str, day: date | None, *, freshness: bool = False) -> date | None:
    # Only windows that end on the first dose move when the first dose is planned later,
    # and freshness windows only when they are not held at data_ref.
    if ref != "first_dose" or (freshness and ctx.data_ref is not None):
        return None
    return day


# -- observations ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Pick:
    observation: ObservationView | None
    outcome: Outcome | None  # set when no observation qualifies
    evidence: tuple[Evidence, ...]
    assumptions: tuple[str, ...]
    changes_on: date | None


def _window(window: ast.Window | None, ctx: Context, what: str) -> tuple[date, date, str, tuple[str, ...]]:
    if window is None:
        days = ctx.settings.default_window_days
        note = f"default window of {days} days before the first dose (no recency stated; setting default_window_days) — {what}"
        ref = ctx.fresh_ref("first_dose")
        return ref - timedelta(days=days), ref, "first_dose", (note,)
    ref = ctx.fresh_ref(window.ref)
    span = window.duration
    assert isinstance(span, ast.Span)  # protocol validation: observation windows are fixed spans
    return ref - timedelta(days=days_before(ref, span.amount, span.unit)), ref, window.ref, ()


def _support_status(day: date, duration: ast.Duration, ctx: Context) -> tuple[str, Evidence | None]:
    """Was a transfusion or growth factor given within `duration` before `day`?"""
    assert isinstance(duration, ast.Span)
    start = day - timedelta(days=days_before(day, duration.amount, duration.unit))
    patient = ctx.view.patient
    for i, proc in enumerate(patient.procedures.items):
        if (
            proc.present
            and proc.type in ("transfusion", "growth_factor")
            and proc.performed_on
            and start <= proc.performed_on <= day
        ):
            return "found", Evidence(
                f"{proc.type.replace('_', ' ')} on {proc.performed_on}", f"$.procedures.items[{i}]", proc.performed_on
            )
    for i, med in enumerate(patient.medications.items):
        drug = ctx.view.drug(med.agent)
        # an open course (no stop date) covers every day from its start
        if (
            drug
            and "growth_factor" in drug.classes
            and med.start
            and med.start <= day
            and (med.stop is None or med.stop >= start)
        ):
            return "found", Evidence(
                f"growth factor {med.agent} from {med.start}", f"$.medications.items[{i}]", med.start
            )
    # growth factors are recorded as procedures or as medications: both lists must be complete
    if _section_complete(patient.procedures, ctx) and _section_complete(patient.medications, ctx):
        return "none", None
    return "unknown", None


def _pick(node: ast.Latest, ctx: Context) -> _Pick:
    """The observation `latest(...)` reads, memoised per screening date: one rule often
    reads the same lab twice (ALT at 3 and at 5 × ULN)."""
    memo = ctx.memo
    if memo is None:
        return _pick_observation(node, ctx)
    found: _Pick | None = memo.get(node)
    if found is None:
        found = memo[node] = _pick_observation(node, ctx)
    return found


def _pick_observation(node: ast.Latest, ctx: Context) -> _Pick:
    lab = ctx.knowledge.labs[node.code] if node.code in ctx.knowledge.labs else ctx.knowledge.lab(node.code)
    what = lab.name + (f" by {node.method}" if node.method else "")
    start, ref_day, ref, assumptions = _window(node.window, ctx, lab.name)
    skipped: list[Evidence] = []
    older: ObservationView | None = None
    for ov in ctx.view.latest(lab.code):
        if ov.date > ref_day:
            continue
        if ov.date < start:
            older = ov
            break
        if node.method and ov.observation.method != node.method:
            skipped.append(
                Evidence(
                    f"{ov.describe()} not counted: method is {ov.observation.method or 'not recorded'}, {node.method} required",
                    ov.path,
                    ov.date,
                )
            )
            continue
        if node.unsupported_for is not None:
            status, support = _support_status(ov.date, node.unsupported_for, ctx)
            if status == "found":
                assert support is not None
                skipped.append(
                    Evidence(
                        f"{ov.describe()} not counted: {support.text} within {_duration_text(node.unsupported_for)} before it",
                        ov.path,
                        ov.date,
                    )
                )
                continue
            if status == "unknown":
                need = Need(
                    "section:procedures",
                    f"transfusion and growth-factor history for the {_duration_text(node.unsupported_for)} before the {lab.name} of {ov.date} (complete procedures and medications review)",
                    None,
                    ref_day,
                )
                return _Pick(
                    None,
                    _unknown(need, Evidence(ov.describe(), ov.path, ov.date), assumptions=assumptions),
                    (),
                    assumptions,
                    None,
                )
        changes = _moves(ctx, ref, ov.date + (ref_day - start) + timedelta(days=1), freshness=True)
        return _Pick(ov, None, tuple(skipped), assumptions, changes)
    if older is not None:
        skipped.append(
            Evidence(f"latest {older.describe()} is before the window that starts {start}", older.path, older.date)
        )
    need = Need(f"lab:{lab.code}" + (f":{node.method}" if node.method else ""), what, start, ref_day)
    return _Pick(None, Outcome(None, tuple(skipped), (need,), None, assumptions), (), assumptions, None)


def _compare_observation(node: ast.Compare, pick: _Pick, ctx: Context) -> Outcome:
    ov = pick.observation
    assert ov is not None
    obs, lab = ov.observation, ov.lab
    right = node.right
    if isinstance(right, ast.Symbol):
        if obs.result is None:
            need = Need(f"lab:{lab.code}:result", f"qualitative result of the {lab.name} of {obs.date}", None, None)
            return _unknown(need, Evidence(ov.describe(), ov.path, ov.date), assumptions=pick.assumptions)
        truth = (obs.result == right.name) == (node.op == "=")
        text = f"{ov.describe()}; tested {node.op} {right.name}"
        return Outcome(truth, (*pick.evidence, Evidence(text, ov.path, ov.date)), (), pick.changes_on, pick.assumptions)
    if ov.value is None:
        need = Need(f"lab:{lab.code}:value", f"numeric value of the {lab.name} of {obs.date}")
        return _unknown(need, Evidence(ov.describe(), ov.path, ov.date), assumptions=pick.assumptions)
    if isinstance(right, ast.LimitMultiple):
        return _compare_limit(node.op, right, pick, ctx)
    if right.unit is None:
        threshold, shown = right.value, _num(right.value)
    else:
        threshold = _static(
            ctx, ("threshold", lab.code, right), ctx.knowledge.to_canonical, lab.code, right.value, right.unit
        )
        shown = f"{_num(right.value)} {right.unit}"
    truth = _cmp(ov.value, node.op, threshold)
    text = f"{ov.describe()}; tested {node.op} {shown}"
    return Outcome(truth, (*pick.evidence, Evidence(text, ov.path, ov.date)), (), pick.changes_on, pick.assumptions)


def _compare_limit(op: str, right: ast.LimitMultiple, pick: _Pick, ctx: Context) -> Outcome:
    ov = pick.observation
    assert ov is not None
    assert ov.value is not None
    obs, lab = ov.observation, ov.lab
    rr = obs.reference_range
    limit = None if rr is None else (rr.high if right.limit == "ULN" else rr.low)
    if rr is None or limit is None:
        need = Need(
            f"range:{lab.code}:{obs.date}", f"the lab's reference range ({right.limit}) of the {lab.name} of {obs.date}"
        )
        return _unknown(
            need,
            Evidence(ov.describe() + f"; no {right.limit} recorded", ov.path, ov.date),
            assumptions=pick.assumptions,
        )
    unit = rr.unit or obs.unit
    assert unit is not None
    limit_canonical = ctx.knowledge.to_canonical(lab.code, limit, unit)
    threshold = right.factor * limit_canonical
    truth = _cmp(ov.value, op, threshold)
    ratio = ov.value / limit_canonical if limit_canonical else Decimal(0)
    text = (
        f"{lab.name} {_num(obs.value or Decimal(0))} {obs.unit} on {obs.date} = {_num(ratio)} × {right.limit} "
        f"{_num(limit)} {unit}; limit {op} {_num(right.factor)} × {right.limit}"
    )
    return Outcome(truth, (*pick.evidence, Evidence(text, ov.path, ov.date)), (), pick.changes_on, pick.assumptions)


# -- comparisons ----------------------------------------------------------------------------
def _age_flip(age: int, op: str, bound: int, birth: date) -> date | None:
    """The next birthday on which `age op bound` changes value (ages only grow)."""
    if op in (">=", ">"):
        target = bound if op == ">=" else bound + 1
        return birthday(birth, target) if age < target else None
    if op in ("<=", "<"):
        target = bound + 1 if op == "<=" else bound
        return birthday(birth, target) if age < target else None
    return birthday(birth, age + 1)


def _age(ref: str, ctx: Context) -> tuple[int | None, Outcome | None]:
    birth = ctx.view.patient.birth_date
    if birth is None:
        return None, _unknown(Need("record:birth_date", "date of birth"))
    return age_in_years(birth, ctx.ref(ref)), None


def _eval_compare(node: ast.Compare, ctx: Context) -> Outcome:
    left = node.left
    if isinstance(left, ast.Latest):
        pick = _pick(left, ctx)
        return pick.outcome if pick.outcome is not None else _compare_observation(node, pick, ctx)
    if isinstance(left, ast.Age):
        age, missing = _age(left.at, ctx)
        if missing is not None or age is None:
            return missing or FALSE
        assert isinstance(node.right, ast.Quantity)
        assert ctx.view.patient.birth_date is not None
        bound = int(node.right.value)
        truth = _cmp(Decimal(age), node.op, node.right.value)
        flip = _moves(ctx, left.at, _age_flip(age, node.op, bound, ctx.view.patient.birth_date))
        text = f"age {age} years on {ctx.ref(left.at)} ({left.at.replace('_', ' ')}); tested {node.op} {bound} years"
        return Outcome(truth, (Evidence(text, "$.birth_date"),), (), flip)
    if isinstance(left, ast.CreatinineClearance):
        return _creatinine_clearance(node, left, ctx)
    if isinstance(left, ast.AttestationValue):
        return _attested_quantity(node, left, ctx)
    return _field_test(
        left,
        ctx,
        lambda value: _field_compare(value, node.op, node.right),
        _static(ctx, ("required", id(node)), lambda: f"{node.op} {_bound_text(node.right)}"),
    )


def _eval_between(node: ast.Between, ctx: Context) -> Outcome:
    if isinstance(node.value, ast.Age):
        age, missing = _age(node.value.at, ctx)
        if missing is not None or age is None:
            return missing or FALSE
        birth = ctx.view.patient.birth_date
        assert birth is not None
        low, high = int(node.low.value), int(node.high.value)
        truth = low <= age <= high
        flip = birthday(birth, low) if age < low else (birthday(birth, high + 1) if age <= high else None)
        text = f"age {age} years on {ctx.ref(node.value.at)} ({node.value.at.replace('_', ' ')}); tested {low}–{high} years"
        return Outcome(truth, (Evidence(text, "$.birth_date"),), (), _moves(ctx, node.value.at, flip))
    return all_of(
        [
            evaluate(ast.Compare(node.value, ">=", node.low), ctx),
            evaluate(ast.Compare(node.value, "<=", node.high), ctx),
        ]
    )


def _creatinine_clearance(node: ast.Compare, left: ast.CreatinineClearance, ctx: Context) -> Outcome:
    creat = _pick(ast.Latest("creatinine", left.window), ctx)
    weight = _pick(ast.Latest("body_weight", left.window), ctx)
    patient = ctx.view.patient
    outcomes = [o for o in (creat.outcome, weight.outcome) if o is not None]
    if patient.birth_date is None:
        outcomes.append(_unknown(Need("record:birth_date", "date of birth")))
    if patient.sex not in ("female", "male"):
        outcomes.append(_unknown(Need("record:sex", "sex (female or male) for Cockcroft–Gault")))
    if outcomes:
        return Outcome(
            None,
            tuple(e for o in outcomes for e in o.evidence),
            tuple(n for o in outcomes for n in o.needs),
            None,
            creat.assumptions + weight.assumptions,
        )
    assert creat.observation
    assert weight.observation
    assert creat.observation.value
    assert weight.observation.value
    assert patient.birth_date
    age = age_in_years(patient.birth_date, creat.observation.date)
    clearance = creatinine_clearance_cockcroft_gault(
        age, weight.observation.value, creat.observation.value, patient.sex
    )
    assert isinstance(node.right, ast.Quantity)
    truth = _cmp(clearance, node.op, node.right.value)
    text = (
        f"creatinine clearance {_num(clearance)} mL/min by Cockcroft–Gault from age {age} y, "
        f"{weight.observation.describe()}, {creat.observation.describe()}, {patient.sex}; tested {node.op} {_num(node.right.value)} mL/min"
    )
    changes = min((d for d in (creat.changes_on, weight.changes_on) if d), default=None)
    return Outcome(
        truth,
        (Evidence(text, creat.observation.path, creat.observation.date),),
        (),
        changes,
        creat.assumptions + weight.assumptions,
    )


def _latest_attestation(topic: str, ctx: Context) -> tuple[int, Any] | None:
    found = [(i, a) for i, a in enumerate(ctx.view.patient.attestations) if a.topic == topic]
    return max(found, key=lambda pair: pair[1].on) if found else None


def _attested_quantity(node: ast.Compare, left: ast.AttestationValue, ctx: Context) -> Outcome:
    found = _latest_attestation(left.topic, ctx)
    name = ctx.knowledge.attestations[left.topic].name if left.topic in ctx.knowledge.attestations else left.topic
    if found is None or found[1].quantity is None or found[1].unit is None:
        return _unknown(Need(f"attestation:{left.topic}", f"{name}, stated by the investigator"))
    index, att = found
    assert isinstance(node.right, ast.Quantity)
    assert node.right.unit in _UNIT_DAYS
    stated = att.quantity * _UNIT_DAYS[att.unit]
    required = node.right.value * _UNIT_DAYS[node.right.unit]
    truth = _cmp(stated, node.op, required)
    text = f"{name}: {_num(att.quantity)} {att.unit}, stated by {att.by} on {att.on}; tested {node.op} {_num(node.right.value)} {node.right.unit}"
    return Outcome(truth, (Evidence(text, f"$.attestations[{index}]", att.on),))


def _eval_attested(node: ast.Attested, ctx: Context) -> Outcome:
    found = _latest_attestation(node.topic, ctx)
    name = ctx.knowledge.attestations[node.topic].name if node.topic in ctx.knowledge.attestations else node.topic
    if found is None:
        return _unknown(Need(f"attestation:{node.topic}", name))
    index, att = found
    role = f" ({att.role})" if att.role else ""
    text = f"{name}: {'yes' if att.value else 'no'}, stated by {att.by}{role} on {att.on}"
    return Outcome(att.value, (Evidence(text, f"$.attestations[{index}]", att.on),))


# -- item attributes ------------------------------------------------------------------------
def _bound_text(bound: ast.Bound) -> str:
    if isinstance(bound, ast.Symbol):
        return bound.name
    if isinstance(bound, ast.LimitMultiple):
        return f"{_num(bound.factor)} x {bound.limit}"
    return _num(bound.value) + (f" {bound.unit}" if bound.unit else "")


def _field_compare(value: Any, op: str, bound: ast.Bound) -> bool:
    if isinstance(bound, ast.Symbol):
        if isinstance(value, frozenset | set | tuple | list):
            hit = bound.name in value
        elif isinstance(value, bool):
            hit = bound.name == ("true" if value else "false")
        else:
            hit = str(value) == bound.name
        return hit if op == "=" else not hit
    assert isinstance(bound, ast.Quantity)  # validation: a number is compared with a numeric attribute
    return _cmp(Decimal(value), op, bound.value)


def _agents_of(item: Item, ctx: Context) -> list[tuple[str, str, Any]]:
    memo = ctx.memo
    if memo is None:
        return agent_values(item, ctx.view.drug)
    key = ("agents", item.path)
    found: list[tuple[str, str, Any]] | None = memo.get(key)
    if found is None:
        found = memo[key] = agent_values(item, ctx.view.drug)
    return found


def _drug_attribute_shown(drug: Any, name: str) -> tuple[Any, str]:
    value = drug_attribute(drug, name)
    return value, ", ".join(sorted(value)) if isinstance(value, frozenset) else str(value)


def _field_test(field: ast.Field, ctx: Context, test: Callable[[Any], bool], required: str) -> Outcome:
    """Apply `test` to an attribute; agent attributes are tested per agent, and the line
    passes if any agent does (a line 'contains' a platinum if one of its agents is one)."""
    item = ctx.item
    if field.path[0] in ("agent",) and item is not None:
        outcomes = []
        for name, path, drug in _agents_of(item, ctx):
            if drug is None:
                need = Need(
                    f"drug:{name}",
                    f"identify drug {name!r} at {path}: it is not in the knowledge base (correct the name or add it to drugs.yaml)",
                )
                outcomes.append(_unknown(need, Evidence(f"{name}: unknown drug", path)))
                continue
            value, shown = _static(ctx, ("agent", drug.id, field.path[1]), _drug_attribute_shown, drug, field.path[1])
            text = f"{name} ({drug.name}): {field.path[1]} {shown}; tested {required}"
            outcomes.append(Outcome(bool(value is not None and test(value)), (Evidence(text, path),)))
        return any_of(outcomes)
    resolved = resolve(field.path, item, ctx.view.patient, ctx.knowledge)
    if resolved.value is None:
        where = f"{describe(item)}, " if item is not None else ""
        return _unknown(Need(f"record:{resolved.path}", f"{resolved.missing} ({where}{resolved.path})"))
    label = ".".join(field.path)
    prefix = f"{describe(item)}: " if item is not None else ""
    value = resolved.value
    if isinstance(value, frozenset):
        shown = ", ".join(sorted(value))
    elif isinstance(value, bool):
        shown = "yes" if value else "no"
    else:
        shown = str(value)
    truth = test(resolved.value)
    return Outcome(truth, (Evidence(f"{prefix}{label} {shown}; tested {required}", resolved.path),))


def _eval_member(node: ast.Member, ctx: Context) -> Outcome:
    names = {s.name for s in node.values}

    def test(value: Any) -> bool:
        if isinstance(value, frozenset | set | tuple | list):
            return bool(set(value) & names)
        return str(value) in names

    return _field_test(node.field, ctx, test, f"in [{', '.join(sorted(names))}]")


def _eval_flag(node: ast.Flag, ctx: Context) -> Outcome:
    return _field_test(node.field, ctx, lambda value: value is True, "is yes")


# -- dates ------------------------------------------------------------------------------------
def _duration_text(node: ast.Duration) -> str:
    if isinstance(node, ast.Span):
        return f"{node.amount} {node.unit}"
    if isinstance(node, ast.HalfLives):
        return f"{_num(node.factor)} half-lives"
    return f"the shorter of {_duration_text(node.first)} and {_duration_text(node.second)}"


def _duration_days(node: ast.Duration, ref: date, ctx: Context) -> tuple[int, int | None, list[Evidence], list[Need]]:
    """The duration in days as an interval [low, high] (high None: unbounded) with the
    half-life evidence it used; an unknown half-life leaves the interval open."""
    if isinstance(node, ast.Span):
        days = days_before(ref, node.amount, node.unit)
        return days, days, [], []
    if isinstance(node, ast.ShorterOf):
        l1, h1, e1, n1 = _duration_days(node.first, ref, ctx)
        l2, h2, e2, n2 = _duration_days(node.second, ref, ctx)
        high = h2 if h1 is None else (h1 if h2 is None else min(h1, h2))
        return min(l1, l2), high, e1 + e2, n1 + n2
    item = ctx.item
    assert item is not None  # validation: half_lives only inside a therapy or medication quantifier
    longest: float | None = 0.0
    evidence: list[Evidence] = []
    needs: list[Need] = []
    for name, path, drug in agent_values(item, ctx.view.drug):
        if drug is None or drug.half_life_hours is None:
            longest = None
            what = f"elimination half-life of {name!r}" + ("" if drug else " (drug not in the knowledge base)")
            needs.append(Need(f"half_life:{name}", what))
            continue
        evidence.append(
            Evidence(f"{drug.name} elimination half-life {drug.half_life_hours:g} h ({drug.half_life_citation})", path)
        )
        if longest is not None:
            longest = max(longest, drug.half_life_hours)
    if longest is None:
        return 0, None, evidence, needs
    # Whole days, rounded up: a washout is never shortened by rounding.
    days = math.ceil(float(node.factor) * longest / 24)
    evidence.append(
        Evidence(f"{_num(node.factor)} half-lives = {float(node.factor) * longest:g} h, counted as {days} days")
    )
    return days, days, evidence, needs


def _calendar(duration: ast.Duration) -> bool:
    if isinstance(duration, ast.Span):
        return duration.unit in ("months", "years")
    if isinstance(duration, ast.ShorterOf):
        return _calendar(duration.first) or _calendar(duration.second)
    return False


def _calendar_change(node: ast.DateTest, day: date, guess: date, ctx: Context) -> date:
    """The exact first-dose date on which a date test over a calendar span changes.

    A window of months is shorter or longer depending on where it ends (6 months before
    2 March is 181 days, before 20 November 184), so the change date found with the
    window's length today can miss the real one by a few days; it is moved to the first
    date on which the test's bound is crossed with the window counted from that date."""
    strict = node.relation != "at_least"

    def crossed(ref: date) -> bool:
        low = _duration_days(node.duration, ref, ctx)[0]
        elapsed = (ref - day).days
        return elapsed > low if strict else elapsed >= low

    found = guess
    for _ in range(7):
        if crossed(found):
            break
        found += timedelta(days=1)
    for _ in range(7):
        if not crossed(found - timedelta(days=1)):
            break
        found -= timedelta(days=1)
    return found


def _eval_date_test(node: ast.DateTest, ctx: Context) -> Outcome:
    resolved = resolve(node.field.path, ctx.item, ctx.view.patient, ctx.knowledge)
    item = ctx.item
    if resolved.value is None:
        where = f"{describe(item)}, " if item is not None else ""
        return _unknown(Need(f"record:{resolved.path}", f"{resolved.missing} ({where}{resolved.path})"))
    day: date = resolved.value
    fresh = node.field.path[-1] in FRESHNESS_FIELDS
    ref_day = ctx.fresh_ref(node.ref) if fresh else ctx.ref(node.ref)
    low, high, evidence, needs = _duration_days(node.duration, ref_day, ctx)
    elapsed = (ref_day - day).days
    label = f"{describe(item)}: " if item is not None else ""
    field = node.field.path[-1].replace("_", " ")
    ref_text = node.ref.replace("_", " ")
    if node.relation == "within":
        if elapsed < 0:
            truth: bool | None = False
            changes = _moves(ctx, node.ref, day, freshness=fresh)
        elif elapsed <= low:
            truth, changes = True, _moves(ctx, node.ref, day + timedelta(days=low + 1), freshness=fresh)
        elif high is not None and elapsed > high:
            truth, changes = False, None
            if fresh:
                # a scan or specimen too old for the window: a new one settles it
                truth = None
                start = ref_day - timedelta(days=low)
                what = f"a new {field} for {describe(item)}" if item is not None else f"a new {field}"
                needs.append(Need(f"fresh:{resolved.path}", what, start, ref_day))
        else:
            truth, changes = None, None
        relation = "within"
    else:
        strict = node.relation == "more_than"
        # at least d before ref: day <= ref - d; more than d before: day < ref - d; with a
        # duration known only to lie in [low, high] the answer is sure only outside it
        lowest_ok = low + (1 if strict else 0)
        if elapsed < lowest_ok:
            truth, changes = False, _moves(ctx, node.ref, day + timedelta(days=lowest_ok), freshness=fresh)
        elif high is not None and elapsed >= high + (1 if strict else 0):
            truth, changes = True, None
        else:
            truth, changes = None, None
        relation = "more than" if strict else "at least"
    if changes is not None and _calendar(node.duration) and not (node.relation == "within" and elapsed < 0):
        changes = _calendar_change(node, day, changes, ctx)
    text = f"{label}{field} {day} is {elapsed} days before {ref_text} {ref_day}; tested {relation} {_duration_text(node.duration)}"
    evidence.append(Evidence(text, resolved.path, day))
    if truth is None:
        return Outcome(None, tuple(evidence), tuple(needs), changes)
    return Outcome(truth, tuple(evidence), (), changes)


# -- quantifiers ------------------------------------------------------------------------------
def _review(section_name: str, section: Any, ctx: Context) -> tuple[Evidence, date | None] | None:
    """When a section counts as complete: the evidence that says so and the date it stops
    counting (None while the first dose is held). Memoised per screening date."""
    key = ("review", section_name)
    memo = ctx.memo
    if memo is not None and key in memo:
        cached: tuple[Evidence, date | None] | None = memo[key]
        return cached
    found = None
    if _section_complete(section, ctx):
        expires = _moves(
            ctx,
            "first_dose",
            section.reviewed_on + timedelta(days=ctx.settings.review_max_age_days + 1),
            freshness=True,
        )
        text = f"{section_name.replace('_', ' ')} reviewed on {section.reviewed_on}: nothing that matches"
        found = (Evidence(text, f"$.{section_name}", section.reviewed_on), expires)
    if memo is not None:
        memo[key] = found
    return found


def _section_complete(section: Any, ctx: Context) -> bool:
    if not section.complete or section.reviewed_on is None:
        return False
    return bool((ctx.fresh_ref("first_dose") - section.reviewed_on).days <= ctx.settings.review_max_age_days)


def _eval_quantifier(node: ast.Quantifier, ctx: Context) -> Outcome:
    found = _any(node, ctx)
    return negate(found) if node.kind == "none" else found


def identity_filter(where: ast.Expr | None) -> tuple[str, frozenset[str]] | None:
    """The item field and codes a condition starts with (`category = ild and ...`), so items
    of another category are passed over without evaluating the rest: they cannot match."""
    first = where.operands[0] if isinstance(where, ast.And) else where
    if isinstance(first, ast.Compare) and first.op == "=" and isinstance(first.right, ast.Symbol):
        field, codes = first.left, frozenset({first.right.name})
    elif isinstance(first, ast.Member):
        field, codes = first.field, frozenset(s.name for s in first.values)
    else:
        return None
    if isinstance(field, ast.Field) and len(field.path) == 1 and field.path[0] in ("category", "site", "type"):
        return field.path[0], codes
    return None


# What a documented absence names: the item's kind (a condition's category, a metastasis's
# site, a procedure's type) and, for conditions, optionally a subtype.
IDENTITY_FIELD = {"condition": "category", "metastasis": "site", "procedure": "type"}


def possible_kinds(where: ast.Expr, field: str) -> frozenset[str] | None:
    """The values of `field` an item must have to satisfy `where` (None: any value).

    `category = ild and severity = severe` can only match {ild}; `category = ild or
    (category = pneumonitis and not infectious)` only {ild, pneumonitis}; `severity =
    severe` any category. Negations are taken as unconstrained, which errs on the side
    of not settling."""
    if isinstance(where, ast.And):
        found: frozenset[str] | None = None
        for op in where.operands:
            part = possible_kinds(op, field)
            if part is not None:
                found = part if found is None else found & part
        return found
    if isinstance(where, ast.Or):
        parts = [possible_kinds(op, field) for op in where.operands]
        if any(p is None for p in parts):
            return None
        return frozenset().union(*(p for p in parts if p is not None))
    if (
        isinstance(where, ast.Compare)
        and where.op == "="
        and isinstance(where.right, ast.Symbol)
        and isinstance(where.left, ast.Field)
        and where.left.path == (field,)
    ):
        return frozenset({where.right.name})
    if isinstance(where, ast.Member) and where.field.path == (field,):
        return frozenset(s.name for s in where.values)
    if isinstance(where, ast.Literal) and where.value is False:
        return frozenset()
    return None


def _denied(where: ast.Expr, collection: str, denials: list[Item]) -> Item | None:
    """The documented absence that settles `any(collection, where)` as false, if the
    absences recorded cover every item the condition could match: "no ILD" settles an
    ILD criterion, not one that also reads pneumonitis; "no GI bleeding" settles only a
    condition that can match nothing but GI bleeding."""
    field = IDENTITY_FIELD.get(collection)
    if field is None or not denials:
        return None
    kinds = possible_kinds(where, field)
    if kinds is None:
        return None
    subtypes = possible_kinds(where, "subtype") if collection == "condition" else None
    covering: Item | None = None
    for kind in kinds:
        whole = [d for d in denials if getattr(d.value, field) == kind and getattr(d.value, "subtype", None) is None]
        if whole:
            covering = covering or whole[0]
            continue
        if subtypes is None:
            return None
        partial = {d.value.subtype: d for d in denials if getattr(d.value, field) == kind}
        if not subtypes <= set(partial):
            return None
        covering = covering or next(iter(partial.values()))
    return covering if kinds else None


def _any(node: ast.Quantifier, ctx: Context) -> Outcome:
    section_name = ast.COLLECTIONS[node.collection]
    section = getattr(ctx.view.patient, section_name)
    outcomes: list[Outcome] = []
    denials: list[Item] = []
    identity = _static(ctx, ("identity", id(node)), identity_filter, node.where)
    for index, value in enumerate(section.items):
        fields = value.__dict__  # the item's field values (absent optional ones are None)
        if identity is not None and fields.get(identity[0]) not in identity[1]:
            continue
        item = Item(node.collection, value, f"$.{section_name}.items[{index}]", fields.get("present", True) is False)
        if item.denial:
            denials.append(item)
        elif node.where is None:
            return Outcome(True, (Evidence(describe(item), item.path),))
        else:
            outcome = evaluate(node.where, ctx.inside(item))
            if outcome.truth is True:  # one matching item decides it
                return outcome
            outcomes.append(outcome)
    result = any_of(outcomes) if outcomes else FALSE
    if result.truth is None:
        return result
    name = section_name.replace("_", " ")
    review = _review(section_name, section, ctx)
    if review is not None:
        evidence, expires = review
        changes = (
            expires
            if result.changes_on is None
            else (result.changes_on if expires is None else min(expires, result.changes_on))
        )
        return Outcome(False, (*result.evidence, evidence), (), changes, result.assumptions)
    # "no ILD" says nothing about whether there is any condition: a bare any() is not settled
    denial = _denied(node.where, node.collection, denials) if node.where is not None else None
    if denial is not None:
        text = f"{describe(denial)} recorded ({denial.path})"
        return Outcome(
            False, (*result.evidence, Evidence(text, denial.path)), (), result.changes_on, result.assumptions
        )
    stale = (
        f" (last reviewed {section.reviewed_on}, more than {ctx.settings.review_max_age_days} days before the first dose)"
        if section.complete
        else ""
    )
    need = Need(f"section:{section_name}", f"complete review of {name}{stale}", None, ctx.first_dose)
    return Outcome(None, result.evidence, (need,), result.changes_on, result.assumptions)


# -- dispatch ---------------------------------------------------------------------------------
def _eval_literal(node: ast.Literal, ctx: Context) -> Outcome:
    return TRUE if node.value else FALSE


def _eval_not(node: ast.Not, ctx: Context) -> Outcome:
    return negate(evaluate(node.operand, ctx))


def _short_circuit(operands: tuple[ast.Expr, ...], ctx: Context, dominant: bool) -> Outcome:
    # A dominant operand (false in a conjunction, true in a disjunction) decides whatever
    # the rest (Kleene): stop there. Its change date stays a valid earliest date for a
    # change of the whole.
    outcomes = []
    for op in operands:
        outcome = evaluate(op, ctx)
        if outcome.truth is dominant:
            return outcome
        outcomes.append(outcome)
    return any_of(outcomes) if dominant else all_of(outcomes)


def _eval_and(node: ast.And, ctx: Context) -> Outcome:
    return _short_circuit(node.operands, ctx, False)


def _eval_or(node: ast.Or, ctx: Context) -> Outcome:
    return _short_circuit(node.operands, ctx, True)


_EXPR: dict[type, Callable[[Any, Context], Outcome]] = {
    ast.Literal: _eval_literal,
    ast.Not: _eval_not,
    ast.And: _eval_and,
    ast.Or: _eval_or,
    ast.Compare: _eval_compare,
    ast.Between: _eval_between,
    ast.Member: _eval_member,
    ast.DateTest: _eval_date_test,
    ast.Flag: _eval_flag,
    ast.Quantifier: _eval_quantifier,
    ast.Attested: _eval_attested,
}
