"""Serum calcium corrected for albumin, which CTCAE v5.0 grades hypo- and hypercalcaemia on."""

from __future__ import annotations

from decimal import Decimal

from trialdesk.knowledge.base import Knowledge

# Payne's correction: 0.8 mg/dL of calcium per g/dL of albumin below 4.0 g/dL.
PAYNE_CALCIUM_PER_ALBUMIN_MG_DL = Decimal("0.8")
PAYNE_NORMAL_ALBUMIN_G_DL = Decimal("4.0")


def corrected_calcium_payne(
    total_calcium: Decimal, unit: str, albumin: Decimal, albumin_unit: str, knowledge: Knowledge
) -> Decimal:
    """Total serum calcium corrected for albumin (Payne RB et al., BMJ 1973;4:643–646), in `unit`.

    CTCAE v5.0 "Hypocalcemia" and "Hypercalcemia" grade the *corrected* serum calcium.

    1. Albumin in g/dL (g/L ÷ 10).
    2. Correction = 0.8 mg/dL × (4.0 − albumin g/dL): negative when albumin is above 4.0.
    3. The correction in `unit` through the knowledge base (0.8 mg/dL = 0.1996 mmol/L with
       calcium 1 mg/dL = 0.2495 mmol/L), so the result never leaves the value's unit.
    4. Corrected calcium = total calcium + correction.

    >>> from trialdesk.knowledge.base import load_knowledge
    >>> kb = load_knowledge()
    >>> corrected_calcium_payne(Decimal("8.0"), "mg/dL", Decimal("2.5"), "g/dL", kb)
    Decimal('9.20')
    >>> corrected_calcium_payne(Decimal("2.00"), "mmol/L", Decimal("25"), "g/L", kb)
    Decimal('2.299400')
    """
    albumin_g_dl = knowledge.convert("albumin", albumin, albumin_unit, "g/dL")
    correction_mg_dl = PAYNE_CALCIUM_PER_ALBUMIN_MG_DL * (PAYNE_NORMAL_ALBUMIN_G_DL - albumin_g_dl)
    return total_calcium + knowledge.convert("calcium", correction_mg_dl, "mg/dL", unit)
