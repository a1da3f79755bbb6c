"""Derived measures the criteria read, each showing its inputs."""

from __future__ import annotations

from decimal import Decimal

# mg/dL per µmol/L for creatinine (113.12 g/mol): the Cockcroft–Gault formula is stated in mg/dL.
CREATININE_UMOL_PER_MG_DL = Decimal("88.4")


def creatinine_clearance_cockcroft_gault(
    age_years: int, weight_kg: Decimal, creatinine_umol_l: Decimal, sex: str
) -> Decimal:
    """Creatinine clearance (mL/min) by Cockcroft & Gault, Nephron 1976;16:31–41:

    1. CrCl = (140 − age) × weight (kg) / (72 × serum creatinine (mg/dL));
    2. × 0.85 for women.

    >>> round(creatinine_clearance_cockcroft_gault(60, Decimal(72), Decimal("88.4"), "male"), 1)
    Decimal('80.0')
    """
    if sex not in ("female", "male"):
        raise ValueError("Cockcroft–Gault needs sex female or male")
    creatinine_mg_dl = creatinine_umol_l / CREATININE_UMOL_PER_MG_DL
    clearance = (Decimal(140) - age_years) * weight_kg / (Decimal(72) * creatinine_mg_dl)
    return clearance * Decimal("0.85") if sex == "female" else clearance
