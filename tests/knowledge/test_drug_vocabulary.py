"""The drug and vaccine vocabularies answer as their public sources say.

Every expected value below comes from outside this code base; each test's docstring names
the source.
"""

from __future__ import annotations

import pytest

from trialdesk.knowledge.base import Knowledge, load_knowledge
from trialdesk.knowledge.entries import Drug, Vaccine


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


def _drug(kb: Knowledge, name: str) -> Drug:
    drug = kb.find_drug(name)
    assert drug is not None, f"{name!r} is not in drugs.yaml"
    return drug


def _vaccine(kb: Knowledge, name: str) -> Vaccine:
    vaccine = kb.find_vaccine(name)
    assert vaccine is not None, f"{name!r} is not in vaccines.yaml"
    return vaccine


@pytest.mark.parametrize(
    "name",
    [
        "clarithromycin",
        "itraconazole",
        "ketoconazole",
        "posaconazole",
        "voriconazole",
        "ritonavir",
        "Kaletra",
        "nefazodone",
        "idelalisib",
        "cobicistat",
        "conivaptan",
    ],
)
def test_fda_table_strong_cyp3a_inhibitors(kb: Knowledge, name: str) -> None:
    """FDA, "Drug Development and Drug Interactions: Table of Substrates, Inhibitors and
    Inducers", strong CYP3A inhibitors: clarithromycin, itraconazole, ketoconazole,
    posaconazole, voriconazole, ritonavir, lopinavir and ritonavir (Kaletra), nefazodone,
    idelalisib, cobicistat, conivaptan."""
    assert _drug(kb, name).cyp3a4 == "strong_inhibitor"


@pytest.mark.parametrize(
    "name",
    [
        "rifampin",
        "rifampicin",
        "carbamazepine",
        "phenytoin",
        "enzalutamide",
        "apalutamide",
        "mitotane",
        "ivosidenib",
        "St John's wort",
    ],
)
def test_fda_table_strong_cyp3a_inducers(kb: Knowledge, name: str) -> None:
    """Same FDA table, strong CYP3A inducers: rifampin (rifampicin), carbamazepine,
    phenytoin, enzalutamide, apalutamide, mitotane, ivosidenib, St John's wort."""
    assert _drug(kb, name).cyp3a4 == "strong_inducer"


def test_fluconazole_is_not_a_strong_cyp3a_inhibitor(kb: Knowledge) -> None:
    """The FDA table lists fluconazole among the moderate, not the strong, CYP3A inhibitors."""
    fluconazole = _drug(kb, "Diflucan")
    assert fluconazole.cyp3a4 is None
    assert {"anti_infective", "antifungal"} <= fluconazole.classes


def test_clarithromycin_is_a_systemic_antibacterial(kb: Knowledge) -> None:
    """Biaxin (clarithromycin) US prescribing information: a macrolide antibacterial."""
    assert {"anti_infective", "antibacterial"} <= _drug(kb, "Biaxin").classes


def test_ds_8201_is_trastuzumab_deruxtecan_with_a_topoisomerase_i_payload(kb: Knowledge) -> None:
    """Enhertu US prescribing information: fam-trastuzumab deruxtecan-nxki (DS-8201) is a
    HER2-directed antibody and topoisomerase inhibitor conjugate; median elimination
    half-life about 5.7 days (conjugate) and 5.8 days (released DXd)."""
    drug = _drug(kb, "DS-8201")
    assert drug.id == "trastuzumab_deruxtecan"
    assert _drug(kb, "Enhertu") is drug
    assert drug.adc
    assert drug.payload_class == "topoisomerase_1_inhibitor"
    assert "topoisomerase_1_inhibitor" in drug.contains
    assert drug.targets == {"HER2"}
    assert drug.half_life_hours is not None
    assert 5.5 * 24 <= drug.half_life_hours <= 6 * 24


def test_sac_tmt_skb264_and_mk_2870_are_one_drug(kb: Knowledge) -> None:
    """Kelun-Biotech/Merck: sacituzumab tirumotecan (sac-TMT) is SKB264, developed by Merck as
    MK-2870; a TROP2-directed ADC with a belotecan-derived topoisomerase I inhibitor payload."""
    drug = _drug(kb, "sac-TMT")
    assert _drug(kb, "SKB264") is drug
    assert _drug(kb, "MK 2870") is drug
    assert drug.targets == {"TROP2"}
    assert drug.payload_class == "topoisomerase_1_inhibitor"


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("Dato-DXd", "TROP2"),
        ("DS-1062", "TROP2"),
        ("IMMU-132", "TROP2"),
        ("Trodelvy", "TROP2"),
        ("HER3-DXd", "HER3"),
        ("U3-1402", "HER3"),
        ("I-DXd", "B7_H3"),
        ("DS-7300", "B7_H3"),
        ("R-DXd", "CDH6"),
        ("SHR-A1811", "HER2"),
        ("IBI343", "CLDN18_2"),
    ],
)
def test_topoisomerase_i_payload_adcs(kb: Knowledge, name: str, target: str) -> None:
    """Datroway and Trodelvy US prescribing information (Trop-2-directed antibody and
    topoisomerase inhibitor conjugates); Daiichi Sankyo/Merck descriptions of HER3-DXd
    (U3-1402), I-DXd (DS-7300, B7-H3) and R-DXd (CDH6) as DXd (topoisomerase I inhibitor)
    ADCs; SHR-A1811 (trastuzumab rezetecan) phase 1: topoisomerase I inhibitor payload;
    Liu J et al., Nat Med 2025: IBI343 is an anti-CLDN18.2 antibody conjugated to exatecan."""
    drug = _drug(kb, name)
    assert drug.adc
    assert drug.payload_class == "topoisomerase_1_inhibitor"
    assert target in drug.targets


@pytest.mark.parametrize("name", ["T-DM1", "Kadcyla", "RC48", "Padcev", "Tivdak", "Elahere", "AZD0901", "Emrelis"])
def test_microtubule_payload_adcs_are_adcs_but_not_topoisomerase_i(kb: Knowledge, name: str) -> None:
    """US prescribing information of Kadcyla (DM1), Padcev and Tivdak (MMAE), Elahere (DM4),
    Emrelis (MMAE): "antibody and microtubule inhibitor conjugate"; RemeGen disitamab vedotin
    (RC48) and AstraZeneca AZD0901 (CLARITY-Gastric 01 abstract) carry MMAE."""
    drug = _drug(kb, name)
    assert drug.adc
    assert "adc" in drug.classes
    assert drug.payload_class == "antimicrotubule"
    assert "topoisomerase_1_inhibitor" not in drug.contains


@pytest.mark.parametrize("name", ["irinotecan", "CPT-11", "topotecan", "Onivyde", "belotecan"])
def test_small_molecule_topoisomerase_i_inhibitors_are_chemotherapy_not_adcs(kb: Knowledge, name: str) -> None:
    """Camptosar, Hycamtin and Onivyde US prescribing information: irinotecan, topotecan and
    liposomal irinotecan are camptothecin topoisomerase I inhibitors given as chemotherapy,
    not antibody-drug conjugates; belotecan (Camtobell) is a camptothecin derivative."""
    drug = _drug(kb, name)
    assert {"chemotherapy", "topoisomerase_1_inhibitor"} <= drug.classes
    assert not drug.adc
    assert drug.payload_class is None


def test_zolbetuximab_targets_claudin_18_2_and_is_not_an_adc(kb: Knowledge) -> None:
    """Vyloy (zolbetuximab-clzb, IMAB362) US prescribing information: a claudin 18.2-directed
    cytolytic monoclonal antibody, not a conjugate."""
    drug = _drug(kb, "IMAB362")
    assert _drug(kb, "Vyloy") is drug
    assert drug.targets == {"CLDN18_2"}
    assert not drug.adc
    assert "monoclonal_antibody" in drug.classes


def test_satri_cel_is_a_claudin_18_2_car_t(kb: Knowledge) -> None:
    """Qi C et al., Lancet 2025 (CT041-ST-01): satricabtagene autoleucel (satri-cel, CT041) is
    an autologous CLDN18.2-specific CAR T-cell therapy."""
    drug = _drug(kb, "CT041")
    assert _drug(kb, "satri-cel") is drug
    assert "car_t" in drug.classes
    assert drug.targets == {"CLDN18_2"}


def test_labelled_half_lives(kb: Knowledge) -> None:
    """Kadcyla US PI: ado-trastuzumab emtansine elimination half-life about 4 days;
    Temodar US PI: temozolomide mean elimination half-life 1.8 h; Opdivo US PI: nivolumab
    mean terminal half-life 25 days."""
    assert _drug(kb, "Kadcyla").half_life_hours == pytest.approx(4 * 24)
    assert _drug(kb, "temozolomide").half_life_hours == pytest.approx(1.8)
    assert _drug(kb, "Opdivo").half_life_hours == pytest.approx(25 * 24)


@pytest.mark.parametrize(
    ("name", "cvx"),
    [
        ("MMR", "03"),
        ("ProQuad", "94"),
        ("Varivax", "21"),
        ("Zostavax", "121"),
        ("YF-Vax", "37"),
        ("Vivotif", "25"),
        ("BCG", "19"),
        ("FluMist", "149"),
        ("RotaTeq", "116"),
        ("Vaxchora", "174"),
        ("ACAM2000", "75"),
        ("Ixchiq", "317"),
    ],
)
def test_live_vaccines(kb: Knowledge, name: str, cvx: str) -> None:
    """CDC General Best Practice Guidelines for Immunization and the products' US prescribing
    information: MMR, MMRV, varicella, zoster live, yellow fever, oral typhoid Ty21a, BCG,
    LAIV, rotavirus, live oral cholera, ACAM2000 and Ixchiq are live vaccines; CVX codes
    from the CDC CVX code set."""
    vaccine = _vaccine(kb, name)
    assert vaccine.live
    assert cvx in vaccine.cvx


@pytest.mark.parametrize(
    ("name", "cvx"),
    [
        ("Shingrix", "187"),
        ("Fluzone", "150"),
        ("Comirnaty", "208"),
        ("Prevnar 20", "216"),
        ("Pneumovax 23", "33"),
        ("Heplisav-B", "189"),
        ("Tdap", "115"),
        ("Gardasil 9", "165"),
        ("IPV", "10"),
        ("JYNNEOS", "206"),
    ],
)
def test_non_live_vaccines(kb: Knowledge, name: str, cvx: str) -> None:
    """Shingrix (recombinant, adjuvanted), inactivated influenza, COVID-19 mRNA, PCV20,
    PPSV23, HepB-CpG, Tdap, HPV9 and IPV are not live (US prescribing information; CDC
    General Best Practice Guidelines); JYNNEOS is live but non-replicating (US PI).
    CVX codes from the CDC CVX code set."""
    vaccine = _vaccine(kb, name)
    assert not vaccine.live
    assert cvx in vaccine.cvx


def test_unknown_names_are_not_guessed(kb: Knowledge) -> None:
    """A name that no source lists is unknown, not matched to the nearest drug."""
    assert kb.find_drug("trastuzumab deruxtecanx") is None
    assert kb.find_vaccine("not a vaccine") is None
