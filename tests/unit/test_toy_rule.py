"""A toy hard rule added in a fixture, to prove the checklist of matching/eligibility.py: four places suffice.

The toy rule: a service may cap the age it takes (``toy_age_cap``, a number); a child older than the
cap is never offered it. The fixture touches exactly the checklist's four places, and nothing else:

1. the column: a ``types.Service`` with the field declared an index column (``column("float")``);
   ``Service`` is a frozen slots dataclass, so the fixture declares the field on a subclass and puts it
   where ``types.Service`` is read. The model column and its migration are stood in for by the model
   row the snapshot reads (a namespace with the column's name): adding a column to the shared SQLAlchemy
   mapping inside one test would leak into every later test, and what this test is about is that
   nothing between the row and the rule needs an edit — snapshot.py, columns.py, index.py, delta.py;
2. the rule: one function under ``@eligibility.rule``;
3. its explanation: the sentence ``rule.toy_age_cap`` in the message catalogue, in every language;
4. its HSDS mapping: the field in ``hsds.extension.FIELDS["service"]``, and the tables derived from it
   at import derived again (what editing the literal does at the next start).

Each check runs with all four places, then with each one left out: every left-out place breaks some
check, so the test fails if a place is missing (and the checklist would be wrong if a fifth were needed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from referral import snapshot
from referral.hsds import export, extension
from referral.hsds.passes import _service_matching
from referral.matching import eligibility, messages
from referral.matching import types as core
from referral.matching.engine import match
from referral.matching.index import build_index
from referral.matching.types import Child, Directory, column
from tests.unit.matching.builders import PLACES, TERMS, TODAY, query, site

PLACES_OF_THE_CHECKLIST = ("column", "rule", "explanation", "hsds")
EXPLANATION = {"en": "older than the toy cap", "zh": "超过玩具年龄上限"}


@dataclass(frozen=True, slots=True)
class ToyService(core.Service):
    """``types.Service`` with the toy field declared as the checklist's first place says."""

    toy_age_cap: float | None = field(default=None, metadata=column("float"))


def _toy_test(cols: Any, query: core.MatchQuery, rows: np.ndarray) -> np.ndarray | None:
    """The toy rule: a child older than the service's cap is refused (NaN: no cap; unknown age: not in play)."""
    if query.child.age is None:
        return None
    return np.asarray(~(cols.toy_age_cap[rows] < query.child.age), dtype=bool)


def add_toy_rule(monkeypatch: pytest.MonkeyPatch, leave_out: str | None = None) -> None:
    """The four places of the checklist, but ``leave_out``."""
    if leave_out != "column":
        monkeypatch.setattr(core, "Service", ToyService)
    if leave_out != "rule":
        monkeypatch.setattr(eligibility, "RULES", list(eligibility.RULES))
        eligibility.rule("toy_age_cap")(_toy_test)
    if leave_out != "explanation":
        for language, sentence in EXPLANATION.items():
            monkeypatch.setitem(messages.CATALOGUE[language], "rule.toy_age_cap", sentence)
    if leave_out != "hsds":
        monkeypatch.setitem(extension.FIELDS, "service", {**extension.FIELDS["service"], "toy_age_cap": float})
        monkeypatch.setattr(extension, "TERM_IDS", extension.term_ids(extension.FIELDS))
        monkeypatch.setattr(extension, "_BY_CODE", {f"{e}.{f}": i for i, (e, f) in extension.TERM_IDS.items()})


# the model rows: what services_query() reads, with the toy column where the model has it ----------


def model_row(id: str, cap: float | None = None, **values: Any) -> SimpleNamespace:
    """A services row as the snapshot's query returns it (every column it reads), with the toy column."""
    row = {name: None for name in snapshot.service_columns()}
    row.update(
        id=id,
        organization_id=f"org-{id}",
        name=f"Service {id}",
        names={},
        modes=["in_person"],
        cost="free",
        capacity="accepting",
        intensity="support",
        genders=[],
        target_groups=[],
        languages=[],
        status="active",
        verified_at=TODAY,
        descriptions={},
        translations={},
        delivered_languages=[],
        org_name=f"Org {id}",
        org_names={},
        org_phone=None,
        toy_age_cap=cap,
    )
    return SimpleNamespace(**{**row, **values})


def snapshot_service(row: SimpleNamespace) -> core.Service:
    """The core service the snapshot makes of ``row`` (one site at the origin, meeting counselling)."""
    sites = {f"{row.id}-site": site(f"{row.id}-site")}
    return snapshot._service(row, {row.id: ["mh.counselling"]}, {}, {row.id: list(sites)}, sites, {})


def hsds_round_trip(row: SimpleNamespace) -> SimpleNamespace:
    """``row`` exported as our HSDS attributes, then read back as the importer reads them into a row."""
    values: dict[str, Any] = {}
    for attribute in export._matching(row):  # type: ignore[arg-type]  # a row stands in for the model
        entity, name = extension.TERM_IDS[attribute["taxonomy_term_id"]]  # as importer.Reader._matching
        values[name] = extension.decode(entity, name, attribute["value"])
    imported = _service_matching(extension.complete("service", values))
    return model_row(row.id, **{k: v for k, v in imported.items() if hasattr(row, k)})


def directory_of(*rows: SimpleNamespace) -> Directory:
    return Directory("v1", TERMS, PLACES, tuple(snapshot_service(r) for r in rows))


# the checks ----------------------------------------------------------------------------------------


def a_child_over_the_cap_never_gets_the_service() -> None:
    index = build_index(directory_of(model_row("capped", 8), model_row("open"), model_row("roomy", 12)))
    for age, expected in ((10, ["open", "roomy"]), (13, ["open"]), (7, ["capped", "open", "roomy"])):
        found = match(index, query(child=Child(age=age), limit=10))
        assert sorted(r.service.id for r in found.results) == expected


def the_unmet_need_names_the_rule_and_says_it() -> None:
    index = build_index(directory_of(model_row("capped", 8)))
    for language, sentence in EXPLANATION.items():
        unmet = match(index, query(child=Child(age=10), language=language)).unmet_needs
        assert [(u.reason, u.rule) for u in unmet] == [("not_eligible", "toy_age_cap")]
        assert sentence in unmet[0].detail


def the_index_and_the_full_check_agree() -> None:
    caps = (None, 4, 8, 9.5, 10, 11, 16)
    index = build_index(directory_of(*(model_row(f"s{k}", cap) for k, cap in enumerate(caps))))
    assert np.isnan(index.columns.toy_age_cap[0]) and index.columns.toy_age_cap[1:].tolist() == list(caps[1:])
    for age in (3, 9.5, 10, 12, 20):
        asked = query(child=Child(age=age), limit=10)
        screened = eligibility.screen(index, asked, np.arange(len(caps)))
        failed = [eligibility.failed(index, asked, r) for r in range(len(caps))]
        expected = [cap is None or cap >= age for cap in caps]
        assert screened.tolist() == expected
        assert [f.name if f else None for f in failed] == [None if ok else "toy_age_cap" for ok in expected]
        shown = {r.service.id for r in match(index, asked).results}
        assert shown == {f"s{k}" for k, ok in enumerate(expected) if ok}


def the_field_travels_through_hsds() -> None:
    original = model_row("capped", 8.5, capacity="waitlist", wait_days=12, modes=["in_person", "remote"])
    back = hsds_round_trip(original)
    assert (back.toy_age_cap, back.capacity, back.wait_days) == (8.5, "waitlist", 12)
    assert back.modes == ["in_person", "remote"]
    assert snapshot_service(back) == snapshot_service(original)


CHECKS: tuple[Callable[[], None], ...] = (
    a_child_over_the_cap_never_gets_the_service,
    the_unmet_need_names_the_rule_and_says_it,
    the_index_and_the_full_check_agree,
    the_field_travels_through_hsds,
)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_the_four_places_of_the_checklist_make_a_working_hard_rule(monkeypatch, check):
    add_toy_rule(monkeypatch)
    check()


@pytest.mark.parametrize("leave_out", PLACES_OF_THE_CHECKLIST)
def test_leaving_out_any_one_of_the_four_places_breaks_the_rule(monkeypatch, leave_out):
    add_toy_rule(monkeypatch, leave_out)
    broken = []
    for check in CHECKS:
        try:
            check()
        except (AssertionError, AttributeError, KeyError, TypeError):
            broken.append(check.__name__)
    assert broken, f"without the {leave_out}, the toy rule still works: the checklist names a place it does not need"


def test_without_the_toy_rule_the_directory_matches_as_before(monkeypatch):
    """The fixture leaves nothing behind: the registry, the catalogue and the HSDS fields are as they were."""
    assert [r.name for r in eligibility.RULES] == [
        "status",
        "ages",
        "gender",
        "groups",
        "languages",
        "full",
        "waitlist",
        "modes",
        "fee",
    ]
    assert "rule.toy_age_cap" not in messages.CATALOGUE["en"] and "toy_age_cap" not in extension.FIELDS["service"]
    assert core.Service is not ToyService


def test_every_rule_says_why_in_every_language():
    """Place 3 for the rules there are: each one's sentence exists in every language of the catalogue."""
    service = snapshot_service(
        model_row("s", minimum_age=3, maximum_age=6, genders=["female"], target_groups=["disability"], languages=["zh"])
    )
    for language in messages.CATALOGUE:
        said = [r.says(language, service) for r in eligibility.RULES]
        assert all(said) and len(set(said)) == len(said)
        assert all(
            f"rule.{r.name}" in messages.CATALOGUE[language]
            for r in eligibility.RULES
            if r.name not in ("ages", "gender")
        )  # these two say the service's bounds


def test_a_rule_name_is_a_key_two_rules_cannot_share(monkeypatch):
    monkeypatch.setattr(eligibility, "RULES", list(eligibility.RULES))
    with pytest.raises(ValueError, match="'ages' exists already"):
        eligibility.rule("ages")(_toy_test)
    assert [r.name for r in eligibility.RULES].count("ages") == 1
