"""The designed distributions of the synthetic population, as data: every code it draws
and the weight of each (sources in `trialdesk.population.synth`). Codes are checked
against the knowledge base before anything is written (`unknown_codes`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trialdesk.knowledge.base import Knowledge


@dataclass(frozen=True)
class Categorical:
    """Values with relative weights."""

    values: tuple[object, ...]
    weights: tuple[float, ...]

    @property
    def cumulative(self) -> np.ndarray:
        w = np.asarray(self.weights, np.float64)
        return np.cumsum(w / w.sum())

    def array(self) -> np.ndarray:
        return np.asarray(self.values)


# -- sites and histologies --------------------------------------------------------------------
SITES: tuple[str, ...] = (
    "lung", "liver", "brain", "meninges", "bone", "lymph_node", "peritoneum", "pleura", "adrenal",
    "pancreas", "stomach", "oesophagus", "small_intestine", "colorectum", "gallbladder_biliary",
    "prostate", "bladder", "cervix", "thyroid", "skin", "head_neck", "breast", "unknown_primary",
)  # fmt: skip
_S = {code: i for i, code in enumerate(SITES)}
MALE_SITES = np.array([_S["prostate"]])
FEMALE_SITES = np.array([_S["cervix"], _S["breast"]])


def _sites(**weights: float) -> Categorical:
    return Categorical(tuple(_S[s] for s in weights), tuple(weights.values()))


HISTOLOGY_CODES: tuple[str, ...] = (
    "net_g1", "net_g2", "net_g3", "nec", "scnec", "lcnec", "minen", "merkel_cell_carcinoma",
    "neuroendocrine_prostate_cancer", "medullary_thyroid_carcinoma", "adenocarcinoma",
)  # fmt: skip
HISTOLOGIES = np.array(HISTOLOGY_CODES)
# NET G1/G2 the majority (SEER, Dasari 2017); high grade enriched for a referral centre
NEN_HISTOLOGY = Categorical(tuple(range(10)), (0.27, 0.22, 0.09, 0.12, 0.08, 0.10, 0.04, 0.03, 0.03, 0.02))
NON_NEN_HISTOLOGY = Categorical((10,), (1.0,))
HISTOLOGY_FAMILY = np.array([0, 0, 0, 1, 1, 1, 2, 1, 1, 3, 4])  # NET, NEC, MiNEN, other NEN, non-NEN
HISTOLOGY_DIFFERENTIATION = np.array([0, 0, 0, 1, 1, 1, -1, 1, 1, -1, -1])  # well, poorly, none
HISTOLOGY_GRADE = np.array([0, 1, 2, 2, 2, 2, -1, 2, -1, -1, -1])  # G1, G2, G3, none
# WHO 2019: G1 Ki-67 < 3 %, G2 3-20 %, G3 > 20 %; NEC typically 55 % and above
KI67_RANGE = np.array(
    [
        [0.5, 2.9],
        [3, 20],
        [21, 55],
        [55, 95],
        [60, 98],
        [45, 90],
        [30, 90],
        [40, 90],
        [40, 90],
        [np.nan] * 2,
        [np.nan] * 2,
    ]
)
_NET_SITES = _sites(small_intestine=0.22, lung=0.22, colorectum=0.17, pancreas=0.15, stomach=0.06, unknown_primary=0.12, head_neck=0.02, breast=0.02, cervix=0.02)  # fmt: skip
# extrapulmonary NEC: GI 37 %, unknown primary 28 %, other 34 % (Dasari 2018); lung NEC common
_NEC_SITES = _sites(lung=0.3, oesophagus=0.07, stomach=0.06, pancreas=0.07, colorectum=0.07, gallbladder_biliary=0.03, small_intestine=0.01, unknown_primary=0.2, bladder=0.05, cervix=0.05, head_neck=0.05, prostate=0.04)  # fmt: skip
HISTOLOGY_SITES: tuple[Categorical, ...] = (
    _NET_SITES, _NET_SITES, _sites(pancreas=0.45, stomach=0.15, colorectum=0.12, small_intestine=0.08, lung=0.1, unknown_primary=0.1),
    _NEC_SITES, _sites(lung=0.6, oesophagus=0.1, bladder=0.08, cervix=0.06, unknown_primary=0.16), _NEC_SITES,
    _sites(colorectum=0.35, stomach=0.25, pancreas=0.15, gallbladder_biliary=0.15, oesophagus=0.1),
    _sites(skin=1.0), _sites(prostate=1.0), _sites(thyroid=1.0),
    _sites(lung=0.22, colorectum=0.2, pancreas=0.12, stomach=0.1, breast=0.16, prostate=0.1, oesophagus=0.05, gallbladder_biliary=0.05),
)  # fmt: skip
STAGES = ("localised", "locally_advanced", "metastatic")
FAMILY_STAGES = (
    Categorical((0, 1, 2), (0.35, 0.15, 0.5)),
    Categorical((0, 1, 2), (0.08, 0.2, 0.72)),
    Categorical((0, 1, 2), (0.15, 0.25, 0.6)),
    Categorical((0, 1, 2), (0.4, 0.2, 0.4)),
    Categorical((0, 1, 2), (0.25, 0.2, 0.55)),
)
FAMILY_LINES = (
    Categorical((0, 1, 2, 3), (0.2, 0.35, 0.28, 0.17)),
    Categorical((0, 1, 2, 3), (0.08, 0.42, 0.32, 0.18)),
    Categorical((0, 1, 2, 3), (0.1, 0.4, 0.3, 0.2)),
    Categorical((0, 1, 2, 3), (0.3, 0.4, 0.2, 0.1)),
    Categorical((0, 1, 2, 3), (0.2, 0.35, 0.28, 0.17)),
)
CONFIRMATION = Categorical(("histologic", "cytologic"), (0.88, 0.12))
NE_COMPONENT = Categorical((20, 30, 40, 50, 60, 70, 80), (0.08, 0.15, 0.15, 0.2, 0.15, 0.15, 0.12))
# P(a patient is a candidate in work-up) by histology: high-grade NEN most often
CANDIDATE_SHARE = np.array([0.1, 0.15, 0.75, 0.75, 0.75, 0.75, 0.7, 0.2, 0.2, 0.1, 0.08])
DOCUMENTATION = Categorical((0.99, 0.6, 0.15), (0.6, 0.28, 0.12))  # P(a section was reviewed completely)
FIRST_DOSE_DELAY = Categorical((0, 3, 7), (0.5, 0.3, 0.2))
METASTASIS_SITES = Categorical(
    tuple(
        _S[s] for s in ("liver", "lymph_node", "bone", "lung", "peritoneum", "brain", "adrenal", "pleura", "meninges")
    ),
    (0.42, 0.2, 0.12, 0.08, 0.07, 0.045, 0.03, 0.03, 0.005),
)

# -- therapy ---------------------------------------------------------------------------------
# names as a record writes them: generic names, brands and code names; some unknown
REGIMENS: tuple[tuple[str, ...], ...] = (
    ("cisplatin", "etoposide"),  # 0
    ("carboplatin", "etoposide"),  # 1
    ("carboplatin", "etoposide", "atezolizumab"),  # 2
    ("fluorouracil", "leucovorin", "irinotecan"),  # 3 FOLFIRI
    ("capecitabine", "temozolomide"),  # 4 CAPTEM
    ("5-FU", "leucovorin", "oxaliplatin"),  # 5 FOLFOX
    ("topotecan",),  # 6
    ("nivolumab", "ipilimumab"),  # 7
    ("DS-8201",),  # 8 trastuzumab deruxtecan
    ("sacituzumab govitecan",),  # 9
    ("tarlatamab",),  # 10
    ("IBI343",),  # 11 CLDN18.2 ADC
    ("lurbinectedin",),  # 12
    ("XB-2203 (investigational)",),  # 13 unknown
    ("Sandostatin LAR",),  # 14
    ("lanreotide",),  # 15
    ("everolimus",),  # 16
    ("Lutathera",),  # 17
    ("sunitinib",),  # 18
    ("surufatinib",),  # 19
    ("cabozantinib",),  # 20
    ("carboplatin", "paclitaxel"),  # 21
    ("pembrolizumab",),  # 22
    ("gemcitabine",),  # 23 unknown to the knowledge base
    ("docetaxel",),  # 24
    ("nab-paclitaxel", "gemcitabine"),  # 25
    ("enfortumab vedotin",),  # 26
    ("zolbetuximab", "CAPOX"),  # 27 CAPOX: a regimen name, not a drug
    ("CPT-11",),  # 28 irinotecan
)
_R = Categorical
FAMILY_REGIMENS: tuple[tuple[Categorical, Categorical, Categorical], ...] = (
    (_R((14, 15), (0.5, 0.5)), _R((16, 17, 18, 19, 4), (0.35, 0.3, 0.1, 0.1, 0.15)), _R((17, 16, 4, 20, 13), (0.3, 0.3, 0.2, 0.1, 0.1))),
    (_R((0, 1, 2), (0.45, 0.4, 0.15)), _R((3, 4, 5, 6, 7, 28), (0.3, 0.25, 0.2, 0.1, 0.1, 0.05)), _R((8, 9, 10, 11, 12, 13, 22), (0.15, 0.15, 0.15, 0.1, 0.15, 0.15, 0.15))),
    (_R((0, 1, 5), (0.4, 0.3, 0.3)), _R((3, 4, 5), (0.4, 0.3, 0.3)), _R((8, 9, 11, 13), (0.25, 0.25, 0.25, 0.25))),
    (_R((20, 18), (0.6, 0.4)), _R((22, 24), (0.5, 0.5)), _R((13,), (1.0,))),
    (_R((5, 21, 22, 23), (0.3, 0.3, 0.2, 0.2)), _R((8, 24, 3, 25), (0.3, 0.3, 0.2, 0.2)), _R((9, 26, 27, 13), (0.3, 0.2, 0.2, 0.3))),
)  # fmt: skip
BEST_RESPONSE = Categorical(("CR", "PR", "SD", "PD", "NE"), (0.03, 0.3, 0.4, 0.22, 0.05))

MEDICATIONS = Categorical(
    (
        "amlodipine", "metoprolol", "lisinopril", "apixaban", "enoxaparin", "dexamethasone", "pantoprazole",
        "metformin", "ondansetron", "levofloxacin", "amoxicillin-clavulanic acid", "clarithromycin", "rifampicin",
        "carbamazepine", "fluconazole", "filgrastim", "St. John's wort", "octreotide", "hydrocortisone", "prednisone",
    ),
    (0.15, 0.08, 0.06, 0.06, 0.04, 0.08, 0.03, 0.03, 0.03, 0.02, 0.02, 0.01, 0.005, 0.01, 0.01, 0.02, 0.005, 0.05, 0.02, 0.03),
)  # fmt: skip
# route per medication above
MEDICATION_ROUTES = np.array([0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 0, 0])
ROUTES = ("oral", "intravenous", "subcutaneous")
UNKNOWN_DRUGS = frozenset(
    {"XB-2203 (investigational)", "gemcitabine", "CAPOX", "pantoprazole", "metformin", "ondansetron"}
)

# -- history -----------------------------------------------------------------------------------
# category → weight, P(active), and the qualifiers the protocols read: (column, kind, arguments)
CONDITIONS: tuple[tuple[str, float, float, tuple[tuple[str, str, tuple[object, ...]], ...]], ...] = (
    ("hypertension", 0.25, 0.95, (("controlled", "bool", (0.85, 0.05)),)),
    ("venous_thromboembolism", 0.07, 0.5, (("interventions", "interventions", ()),)),
    ("arterial_thromboembolism", 0.015, 0.3, (("interventions", "interventions", ()),)),
    ("other_malignancy", 0.06, 0.3, (("subtype", "choice", ("basal_cell_skin_cancer", "thyroid_cancer", "breast_cancer", "prostate_cancer", "non_melanoma_skin_cancer")), ("requires_therapy", "bool", (0.4, 0.1)), ("treatment", "choice", ("curative", "palliative", "none")), ("in_situ", "bool", (0.3, 0.3)))),
    ("ild", 0.015, 0.6, (("severity", "choice", ("mild", "moderate", "severe")), ("controlled", "bool", (0.6, 0.2)))),
    ("pneumonitis", 0.015, 0.3, (("infectious", "bool", (0.5, 0.2)),)),
    ("heart_failure", 0.03, 0.9, (("nyha_class", "int", (1, 2, 3)),)),
    ("myocardial_infarction", 0.025, 0.0, ()),
    ("arrhythmia", 0.04, 0.7, (("clinically_significant", "bool", (0.4, 0.1)), ("refractory", "bool", (0.15, 0.2)))),
    ("cancer_pain", 0.12, 0.9, (("controlled", "bool", (0.8, 0.05)),)),
    ("pleural_effusion", 0.04, 0.7, (("symptomatic", "bool", (0.4, 0.1)), ("requires_therapy", "bool", (0.3, 0.1)))),
    ("ascites", 0.035, 0.7, (("symptomatic", "bool", (0.4, 0.1)), ("requires_therapy", "bool", (0.3, 0.1)))),
    ("infection", 0.05, 0.3, (("grade", "int", (1, 2, 3)),)),
    ("fever", 0.015, 0.5, (("explained", "bool", (0.6, 0.1)),)),
    ("gilbert_syndrome", 0.02, 1.0, ()),
    ("hepatitis_b", 0.025, 0.15, ()),
    ("hepatitis_c", 0.01, 0.2, ()),
    ("autoimmune_disease", 0.03, 0.5, ()),
    ("chronic_gi_disease", 0.025, 0.6, ()),
    ("nausea_vomiting", 0.03, 0.6, (("refractory", "bool", (0.2, 0.1)),)),
    ("allergy", 0.03, 1.0, (("severity", "choice", ("mild", "moderate", "severe")), ("subtype", "choice", ("penicillin", "contrast_media", "monoclonal_antibody")))),
    ("substance_abuse", 0.01, 0.5, ()),
    ("psychiatric_disorder", 0.02, 0.8, ()),
    ("bleeding", 0.02, 0.2, (("subtype", "choice", ("gastrointestinal", "epistaxis", "haematuria")), ("clinically_significant", "bool", (0.5, 0.1)))),
    ("trauma", 0.01, 0.2, (("major", "bool", (0.3, 0.1)),)),
)  # fmt: skip
INTERVENTIONS = ("anticoagulation", "thrombectomy", "ivc_filter")
AE_TERMS = (
    "peripheral sensory neuropathy",
    "fatigue",
    "anaemia",
    "nausea",
    "alopecia",
    "diarrhoea",
    "neutrophil count decreased",
)
AE_GRADES = Categorical((1, 2, 3, 4), (0.55, 0.3, 0.12, 0.03))

# -- vaccinations, procedures, lesions ------------------------------------------------------------
VACCINES = Categorical(
    (
        "influenza_inactivated", "covid19_mrna", "zoster_recombinant", "pneumococcal_conjugate", "tdap",
        "hepatitis_b", "yellow_fever", "zoster_live", "mmr", "influenza_live", "typhoid_oral",
        "tick-borne encephalitis vaccine",
    ),
    (0.45, 0.2, 0.08, 0.07, 0.03, 0.03, 0.02, 0.02, 0.02, 0.03, 0.02, 0.03),
)  # fmt: skip
UNKNOWN_VACCINES = frozenset({"tick-borne encephalitis vaccine"})
LESION_METHODS = Categorical(("ct", "mri", "pet_ct", "x_ray"), (0.78, 0.15, 0.04, 0.03))
ATTESTATION_TOPICS = (
    "informed_consent", "willing_and_adherent", "life_expectancy", "investigator_no_discontinuation_risk",
    "investigator_no_other_exclusion", "contraception_agreement",
)  # fmt: skip
# life expectancy as an investigator states it: 2, 3, 6, 12 months; 8, 24 weeks
LIFE_EXPECTANCY = Categorical(tuple(range(6)), (0.06, 0.24, 0.4, 0.2, 0.04, 0.06))
LIFE_EXPECTANCY_QUANTITY = np.array([2.0, 3.0, 6.0, 12.0, 8.0, 24.0])
LIFE_EXPECTANCY_UNIT = np.array([0, 0, 0, 0, 1, 1])  # months, weeks


def unknown_codes(knowledge: Knowledge) -> list[str]:
    """Every drawn code the knowledge base does not know (drugs and vaccines meant to be
    unknown excepted)."""
    problems = [f"site {s}" for s in SITES if s not in knowledge.sites]
    problems += [f"histology {h}" for h in HISTOLOGY_CODES if h not in knowledge.histologies]
    problems += [f"condition {c}" for c, *_ in CONDITIONS if c not in knowledge.conditions]
    problems += [f"attestation {t}" for t in ATTESTATION_TOPICS if t not in knowledge.attestations]
    names = {n for r in REGIMENS for n in r} | {str(m) for m in MEDICATIONS.values}
    problems += [f"drug {n}" for n in sorted(names - UNKNOWN_DRUGS) if knowledge.find_drug(n) is None]
    problems += [
        f"vaccine {v}" for v in VACCINES.values if v not in UNKNOWN_VACCINES and knowledge.find_vaccine(str(v)) is None
    ]
    return problems
