"""Eligibility groups inferred from a child's needs, where it is safe, and which restrictions stay unknown.

This module owns the table of need-code prefixes that imply a target group (a child assessed for
guardianship risk is a child in difficulty; a need for disability services implies a disability; …).
Whether a service restricts on something the worker did not give (age, gender, languages, groups) is
each rule's ``unknown`` in eligibility.RULES — such a service is offered, ranked a little lower, with
an "eligible if" caveat. Inferred groups count only when the worker gave no groups; given groups are
the truth. Depends on sibling modules only.
"""

from __future__ import annotations

from collections.abc import Iterable

from referral.matching.types import Child, UnderstoodNeed

# need code (or its prefix up to a dot) -> the group it implies. Taxonomy codes, not region data:
# a taxonomy without these codes simply infers nothing.
IMPLIED_GROUPS: tuple[tuple[str, str], ...] = (
    ("protection.guardianship_risk", "in_difficulty"),
    ("disability", "disability"),
    ("integration.migrant", "migrant"),
    ("integration.left_behind", "left_behind"),
    ("veterans", "veteran_family"),
)


def infer_groups(needs: Iterable[UnderstoodNeed]) -> tuple[tuple[str, str], ...]:
    """(group, need code) for each explicit need (given by code or text, not notes) that implies a group."""
    found: dict[str, str] = {}
    for need in needs:
        if need.source == "notes" or need.severity <= 0:
            continue
        for prefix, group in IMPLIED_GROUPS:
            if need.code == prefix or need.code.startswith(prefix + "."):
                found.setdefault(group, need.code)
    return tuple(sorted(found.items()))


def known_groups(child: Child) -> frozenset[str]:
    """The groups that decide eligibility: the given ones, else the inferred ones (empty: unknown)."""
    return child.groups or child.inferred_groups
