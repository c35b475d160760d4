"""Issue 16's targets, printed beside the figures that measure them: met, or the gap, in one line each.

A benchmark prints ``verdict(...)`` lines after its table, so a reader of ``make bench`` sees which
targets this run met on this machine and by how much the others were missed. A run on a machine
shared with other work can miss a target the code meets on a quiet one: the line says what was
measured, not why.
"""

from __future__ import annotations

import math


def verdict(target: str, measured: float, limit: float, unit: str, at_least: bool = False) -> str:
    """One line: the target, what this run measured and whether it met it (else the gap)."""
    if math.isnan(measured):
        return f"  target {target}: not measured in this run"
    met = measured >= limit if at_least else measured <= limit
    sign = "≥" if at_least else "≤"
    shown = f"{measured:.2f} {unit}".strip()
    if met:
        return f"  target {target} ({sign} {limit:g} {unit}): {shown}, met"
    gap = limit - measured if at_least else measured - limit
    by = "points" if unit == "%" else unit
    return f"  target {target} ({sign} {limit:g} {unit}): {shown}, NOT MET by {gap:.2f} {by}"
