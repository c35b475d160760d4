"""Eligibility groups inferred from a child's needs, where it is safe, and which restrictions stay unknown.

This module owns two things: the table of need-code prefixes that imply a target group (a child
assessed for guardianship risk is a child in difficulty; a need for disability services implies a
disability; …), and ``uncertain``: per service, whether it restricts on something the worker did
not give (gender, languages, groups) — such a service is offered, ranked a little lower, with an
"eligible if" caveat. Inferred groups count only when the worker gave no groups; given groups are
the truth. Depends on numpy and sibling modules only.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

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


def unknown_rules(child: Child, genders: frozenset[str], groups: frozenset[str], languages: frozenset[str],
                  aged: bool = False) -> tuple[str, ...]:
    """Which of a service's restrictions the child's given facts leave open: "age" (``aged``: the service
    has an age bound), "gender", "groups", "languages"."""
    said = ["age"] if aged and child.age is None else []
    if genders and child.gender is None:
        said.append("gender")
    if groups and not child.groups and not (groups & child.inferred_groups):
        said.append("groups")
    if languages and not child.languages:
        said.append("languages")
    return tuple(said)


def uncertain_mask(genders: np.ndarray, groups: np.ndarray, languages: np.ndarray, child: Child, inferred_mask: np.uint64,
                   aged: np.ndarray | None = None) -> np.ndarray:
    """Vectorised ``unknown_rules(...) != ()`` over masks (0 = no restriction); ``aged``: has an age bound."""
    out = np.zeros(len(genders), dtype=bool)
    if child.age is None and aged is not None:
        out |= aged
    if child.gender is None:
        out |= genders != 0
    if not child.groups:
        out |= (groups != 0) & ((groups & inferred_mask) == 0)
    if not child.languages:
        out |= languages != 0
    return out
