"""Protocols are validated on load: rules parse, names resolve, units convert, ids are
unique; a screening records the file's content hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from trialdesk.errors import ProtocolError, RuleSyntaxError
from trialdesk.knowledge.base import Knowledge
from trialdesk.protocol.load import LoadedProtocol, load_protocol, protocols_dir

SHIPPED = protocols_dir() / "NCT07077564.yaml"


def _variant(tmp_path: Path, change: str, rule: str) -> Path:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["sources"][0]["file"] = str((SHIPPED.parent / data["sources"][0]["file"]).resolve())
    for criterion in data["criteria"]:
        if criterion["id"] == change:
            criterion["rule"] = rule
    path = tmp_path / "NCT07077564.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_both_protocols_carry_every_seed_criterion(protocols: dict[str, LoadedProtocol]) -> None:
    # NCT07077564: 18 inclusion-side items (incl. the organ-function sub-items and the
    # extrapulmonary population) and 21 exclusions as split in its protocol file.
    counts = {pid: len(p.criteria) for pid, p in protocols.items()}
    assert counts == {"NCT07077564": 39, "NCT07520357": 39}


def test_the_content_hash_is_the_file_sha256(protocols: dict[str, LoadedProtocol]) -> None:
    assert protocols["NCT07077564"].sha256 == hashlib.sha256(SHIPPED.read_bytes()).hexdigest()


def test_a_rule_syntax_error_names_criterion_line_and_column(tmp_path: Path, knowledge: Knowledge) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        load_protocol(_variant(tmp_path, "ecog", "latest(ecog) <= "), knowledge)
    assert "criterion ecog" in str(info.value)
    assert info.value.column == 17


def test_an_unknown_lab_is_refused(tmp_path: Path, knowledge: Knowledge) -> None:
    with pytest.raises(ProtocolError, match="unknown lab 'ecg'"):
        load_protocol(_variant(tmp_path, "ecog", "latest(ecg) <= 1"), knowledge)


def test_an_unconvertible_unit_is_refused(tmp_path: Path, knowledge: Knowledge) -> None:
    with pytest.raises(ProtocolError, match="unit 'mmHg' does not convert for haemoglobin"):
        load_protocol(_variant(tmp_path, "hemoglobin", "latest(hemoglobin) >= 8 mmHg"), knowledge)


def test_an_unknown_attribute_is_refused(tmp_path: Path, knowledge: Knowledge) -> None:
    with pytest.raises(ProtocolError, match="unknown attribute 'onset_date' inside condition"):
        load_protocol(
            _variant(tmp_path, "ild", "any(condition, onset_date within 1 year before first_dose)"), knowledge
        )


def test_an_unknown_site_is_refused(tmp_path: Path, knowledge: Knowledge) -> None:
    with pytest.raises(ProtocolError, match="site is never 'livre'"):
        load_protocol(_variant(tmp_path, "ild", "any(metastasis, site = livre)"), knowledge)


def test_duplicate_ids_are_refused(tmp_path: Path, knowledge: Knowledge) -> None:
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["criteria"][1]["id"] = data["criteria"][0]["id"]
    path = tmp_path / "dup.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProtocolError, match="duplicate criterion ids: consent"):
        load_protocol(path, knowledge, check_seed=False)


def test_every_arm_agent_is_a_known_drug(protocols: dict[str, LoadedProtocol], knowledge: Knowledge) -> None:
    # NCT07077564 keeps both drug readings (seeds README); NCT07520357 is SHR-A1904
    agents = {pid: [a.drug for a in p.protocol.arm.agent] for pid, p in protocols.items()}
    assert agents == {"NCT07077564": ["sacituzumab_tirumotecan", "sacituzumab_govitecan"], "NCT07520357": ["shr_a1904"]}
    assert all(knowledge.drugs[d].targets for ds in agents.values() for d in ds)
