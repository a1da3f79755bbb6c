"""Load, validate and hash computable protocol files.

Validation on load: the YAML matches the protocol model, every rule parses, every name in
every rule resolves against the knowledge base, every unit converts, criterion ids are
unique, and (when the seed files are at hand) every source sentence occurs verbatim in
its seed. The content hash of the file is recorded by each screening.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from trialdesk.criteria import ast
from trialdesk.criteria.parse import parse_rule
from trialdesk.errors import ProtocolError
from trialdesk.knowledge.base import Knowledge
from trialdesk.protocol.model import Criterion, Protocol
from trialdesk.protocol.validate import rule_problems


@dataclass(frozen=True, slots=True)
class ParsedReading:
    label: str
    source: str
    rule: ast.Expr


@dataclass(frozen=True, slots=True)
class ParsedCriterion:
    criterion: Criterion
    readings: tuple[ParsedReading, ...]  # one, labelled "rule", when there is no ambiguity

    @property
    def ambiguous(self) -> bool:
        return len(self.readings) > 1


@dataclass(frozen=True)
class LoadedProtocol:
    protocol: Protocol
    criteria: tuple[ParsedCriterion, ...]
    sha256: str
    path: Path | None

    @property
    def id(self) -> str:
        return self.protocol.id


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def protocols_dir() -> Path:
    """The shipped protocols: packaged with the wheel, or the repository's protocols/."""
    packaged = Path(__file__).resolve().parent.parent / "_protocols"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "protocols"


def _parse_criterion(criterion: Criterion, knowledge: Knowledge, file: str) -> ParsedCriterion:
    sources = (
        [("rule", criterion.source, criterion.rule)]
        if criterion.rule
        else [(r.label, r.source, r.rule) for r in criterion.readings]
    )
    readings = []
    for label, source, text in sources:
        assert text is not None
        where = f"{file}: criterion {criterion.id}" + (f", reading {label!r}" if criterion.readings else "")
        tree = parse_rule(text, where=where)
        problems = list(rule_problems(tree, knowledge))
        if problems:
            raise ProtocolError(
                f"{where}: " + "; ".join(problems),
                fix="correct the rule's names (docs/protocol-authoring.md lists them)",
            )
        readings.append(ParsedReading(label, source, tree))
    return ParsedCriterion(criterion, tuple(readings))


def check_sources(protocol: Protocol, base: Path) -> list[str]:
    """Every source and context quotation that does not occur verbatim (up to whitespace)
    in the protocol's seed files. Empty when all are found, or when no seed is at hand."""
    texts = []
    for source in protocol.sources:
        path = (base / source.file).resolve()
        if path.is_file():
            texts.append(normalise_space(path.read_text(encoding="utf-8")))
    if not texts:
        return []
    seed = " ".join(texts)
    missing = []
    for criterion in protocol.criteria:
        quotes = [criterion.source, *criterion.context, *(r.source for r in criterion.readings)]
        missing += [
            f"criterion {criterion.id}: not in the seed: {q!r}" for q in quotes if normalise_space(q) not in seed
        ]
    arm = [protocol.arm.source, *(a.source for a in protocol.arm.agent)]
    missing += [f"arm: not in the seed: {q!r}" for q in arm if normalise_space(q) not in seed]
    missing += [
        f"endpoint {e.id}: not in the seed: {e.source!r}"
        for e in protocol.endpoints
        if normalise_space(e.source) not in seed
    ]
    return missing


def missing_seeds(protocol: Protocol, base: Path) -> list[str]:
    """The seed files a protocol names that are not at hand (their quotations go unchecked)."""
    return [s.file for s in protocol.sources if not (base / s.file).is_file()]


def load_protocol(path: Path, knowledge: Knowledge, *, check_seed: bool = True) -> LoadedProtocol:
    """Load one protocol file; any problem raises ProtocolError naming the criterion."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot read: {exc.strerror}", fix="check the path") from None
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        raise ProtocolError(f"{path.name}: not valid YAML: {exc}", fix="correct the YAML syntax") from None
    try:
        protocol = Protocol.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ProtocolError(
            f"{path.name}: {loc}: {first['msg']}", fix="see docs/protocol-authoring.md for the protocol fields"
        ) from None
    ids = [c.id for c in protocol.criteria]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ProtocolError(
            f"{path.name}: duplicate criterion ids: {', '.join(duplicates)}", fix="give every criterion its own id"
        )
    unknown_drugs = [a.drug for a in protocol.arm.agent if a.drug not in knowledge.drugs]
    if unknown_drugs:
        raise ProtocolError(
            f"{path.name}: arm agent {', '.join(unknown_drugs)} is not in the knowledge base",
            fix="use a drug id from drugs.yaml, or add the drug there",
        )
    criteria = tuple(_parse_criterion(c, knowledge, path.name) for c in protocol.criteria)
    if check_seed:
        missing = check_sources(protocol, path.parent)
        if missing:
            raise ProtocolError(
                f"{path.name}: " + "; ".join(missing), fix="quote the seed text exactly (whitespace may differ)"
            )
    return LoadedProtocol(protocol, criteria, hashlib.sha256(raw).hexdigest(), path)


def load_protocols(knowledge: Knowledge, directory: Path | None = None) -> dict[str, LoadedProtocol]:
    """Every protocol in a directory (default: the shipped ones), by trial id."""
    folder = directory or protocols_dir()
    loaded = [load_protocol(p, knowledge) for p in sorted(folder.glob("NCT*.yaml"))]
    return {p.id: p for p in loaded}
