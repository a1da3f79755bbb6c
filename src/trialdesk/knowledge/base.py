"""The knowledge base: cited vocabularies loaded once from data files and handed down.

Adding a drug, a lab unit or a histology is a data change in ``knowledge/data/*.yaml``;
nothing here names a drug.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from trialdesk.errors import TrialdeskError, UnitError, UnknownCodeError
from trialdesk.knowledge.entries import Concept, Drug, Histology, Lab, Vaccine
from trialdesk.knowledge.units import convert, normalize_unit

DATA_DIR = Path(__file__).parent / "data"
_FILES = ("drugs.yaml", "histology.yaml", "labs.yaml", "vaccines.yaml", "vocabulary.yaml")

E = TypeVar("E", bound=BaseModel)


class KnowledgeError(TrialdeskError):
    """A knowledge data file is malformed."""


def name_key(name: str) -> str:
    """The lookup key of a drug or vaccine name: case, spaces, hyphens and ® ignored.

    >>> name_key("Sac-TMT") == name_key("sac tmt") == name_key("SACTMT")
    True
    """
    return re.sub(r"[\s\-_®™()]+", "", name.casefold())


@dataclass(frozen=True)
class Knowledge:
    """Every vocabulary trialdesk reads, indexed for lookup."""

    version: str
    drugs: Mapping[str, Drug]
    drug_classes: Mapping[str, str]
    targets: Mapping[str, str]
    vaccines: Mapping[str, Vaccine]
    labs: Mapping[str, Lab]
    histologies: Mapping[str, Histology]
    conditions: Mapping[str, Concept]
    sites: Mapping[str, Concept]
    attestations: Mapping[str, Concept]
    # the files' content digest: what a stored derivation (a facts database's drug
    # classes and canonical units) was computed from, so a later edit is detected
    fingerprint: str = ""
    _drug_names: Mapping[str, str] = field(repr=False, default_factory=dict)
    _vaccine_names: Mapping[str, str] = field(repr=False, default_factory=dict)
    _loinc: Mapping[str, str] = field(repr=False, default_factory=dict)
    _units: Mapping[str, Mapping[str, Decimal]] = field(repr=False, default_factory=dict)

    # -- drugs and vaccines --------------------------------------------------------------
    def find_drug(self, name: str) -> Drug | None:
        """The drug a name, synonym or code name denotes, or None when it is not known."""
        drug_id = self._drug_names.get(name_key(name))
        return self.drugs[drug_id] if drug_id else None

    def find_vaccine(self, name: str) -> Vaccine | None:
        vaccine_id = self._vaccine_names.get(name_key(name))
        return self.vaccines[vaccine_id] if vaccine_id else None

    # -- labs and units ------------------------------------------------------------------
    def lab(self, code: str, *, where: str = "") -> Lab:
        """The lab for a trialdesk code or a LOINC code."""
        if code in self.labs:
            return self.labs[code]
        if code in self._loinc:
            return self.labs[self._loinc[code]]
        raise UnknownCodeError("lab", code, where=where, fix="use a code from labs.yaml or a LOINC code it lists")

    def unit_factor(self, lab_code: str, unit: str) -> Decimal | None:
        """The factor from `unit` to the lab's canonical unit, or None if it does not convert."""
        return self._units.get(lab_code, {}).get(normalize_unit(unit))

    def to_canonical(self, lab_code: str, value: Decimal, unit: str, *, where: str = "") -> Decimal:
        factor = self.unit_factor(lab_code, unit)
        if factor is None:
            lab = self.labs[lab_code]
            accepted = ", ".join(lab.units)
            raise UnitError(
                f"{where + ': ' if where else ''}unit {unit!r} does not convert for {lab.name}",
                fix=f"give the value in one of: {accepted}",
            )
        return value * factor

    def convert(self, lab_code: str, value: Decimal, from_unit: str, to_unit: str) -> Decimal:
        """Convert a value of one lab between two of its units."""
        f_from = self.unit_factor(lab_code, from_unit)
        f_to = self.unit_factor(lab_code, to_unit)
        if f_from is None or f_to is None:
            bad = from_unit if f_from is None else to_unit
            raise UnitError(
                f"unit {bad!r} does not convert for {self.labs[lab_code].name}",
                fix=f"use one of: {', '.join(self.labs[lab_code].units)}",
            )
        return convert(value, f_from, f_to)


def _read(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise KnowledgeError(f"{path.name}: expected a mapping at the top level")
    return loaded


def _entries(model: type[E], items: Iterable[Any], file: str, section: str) -> list[E]:
    out = []
    for index, item in enumerate(items):
        try:
            out.append(model.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise KnowledgeError(
                f"{file}: {section}[{index}].{loc}: {first['msg']}",
                fix="correct the entry; the entry models are in trialdesk/knowledge/entries.py",
            ) from exc
    return out


def _index_names(entries: Mapping[str, Drug] | Mapping[str, Vaccine], file: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for entry_id, entry in entries.items():
        for name in (entry_id, entry.name, *entry.synonyms):
            key = name_key(name)
            if index.get(key, entry_id) != entry_id:
                raise KnowledgeError(f"{file}: name {name!r} names both {index[key]} and {entry_id}")
            index[key] = entry_id
    return index


def _unique(entries: list[E], key: str, file: str) -> dict[str, E]:
    out: dict[str, E] = {}
    for entry in entries:
        value = getattr(entry, key)
        if value in out:
            raise KnowledgeError(f"{file}: duplicate {key} {value!r}")
        out[value] = entry
    return out


def load_knowledge(data_dir: Path = DATA_DIR) -> Knowledge:
    """Load and validate every knowledge file (drugs, vaccines, labs, histology, vocab)."""
    drugs_file = _read(data_dir / "drugs.yaml")
    drug_classes = dict(drugs_file.get("classes", {}))
    targets = dict(drugs_file.get("targets", {}))
    drugs = _unique(_entries(Drug, drugs_file.get("drugs", []), "drugs.yaml", "drugs"), "id", "drugs.yaml")
    for drug in drugs.values():
        unknown = (drug.classes | ({drug.payload_class} if drug.payload_class else set())) - set(drug_classes)
        if unknown:
            raise KnowledgeError(f"drugs.yaml: drug {drug.id}: class {sorted(unknown)} not declared under classes")
        if drug.targets - set(targets):
            raise KnowledgeError(
                f"drugs.yaml: drug {drug.id}: target {sorted(drug.targets - set(targets))} not declared under targets"
            )
    vaccines = _unique(
        _entries(Vaccine, _read(data_dir / "vaccines.yaml").get("vaccines", []), "vaccines.yaml", "vaccines"),
        "id",
        "vaccines.yaml",
    )
    labs = _unique(
        _entries(Lab, _read(data_dir / "labs.yaml").get("labs", []), "labs.yaml", "labs"), "code", "labs.yaml"
    )
    loinc = {code: lab.code for lab in labs.values() for code in lab.loinc}
    units = {lab.code: {normalize_unit(u): f for u, f in lab.units.items()} for lab in labs.values()}
    histologies = _unique(
        _entries(Histology, _read(data_dir / "histology.yaml").get("histologies", []), "histology.yaml", "histologies"),
        "code",
        "histology.yaml",
    )
    vocab = _read(data_dir / "vocabulary.yaml")

    def concepts(section: str) -> dict[str, Concept]:
        return _unique(_entries(Concept, vocab.get(section, []), "vocabulary.yaml", section), "code", "vocabulary.yaml")

    digest = hashlib.sha256()
    for name in _FILES:
        digest.update(name.encode() + b"\0" + (data_dir / name).read_bytes() + b"\0")
    return Knowledge(
        version=str(drugs_file.get("version", "unversioned")),
        fingerprint=digest.hexdigest()[:16],
        drugs=drugs,
        drug_classes=drug_classes,
        targets=targets,
        vaccines=vaccines,
        labs=labs,
        histologies=histologies,
        conditions=concepts("conditions"),
        sites=concepts("sites"),
        attestations=concepts("attestations"),
        _drug_names=_index_names(drugs, "drugs.yaml"),
        _vaccine_names=_index_names(vaccines, "vaccines.yaml"),
        _loinc=loinc,
        _units=units,
    )
