"""Target groups are one vocabulary (referral/data/target_groups.json): every group the seeds, the
HSDS data files and the core name has a label in every language the catalogue speaks."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources

import pytest

from referral.config import PROJECT_ROOT
from referral.matching.groups import IMPLIED_GROUPS
from referral.matching.messages import CATALOGUE, GROUPS, REQUIREMENTS, TARGET_GROUPS

DATA = resources.files("referral") / "data"


def seeded_groups() -> Counter[str]:
    """How many services of the demo region name each group."""
    path = PROJECT_ROOT / "seeds" / "regions" / "suzhou-zhenjiang" / "organizations.json"
    organizations = json.loads(path.read_text(encoding="utf-8"))["organizations"]
    return Counter(g for org in organizations for s in org.get("services", []) for g in s.get("target_groups", []))


def test_every_group_has_a_label_in_every_language_the_catalogue_speaks():
    for language in CATALOGUE:
        assert set(GROUPS[language]) == TARGET_GROUPS, language
        assert all(label.strip() for label in GROUPS[language].values()), language
        assert set(REQUIREMENTS[language]) == set(REQUIREMENTS["en"]) <= TARGET_GROUPS, language


def test_every_group_the_demo_services_name_is_in_the_vocabulary():
    # veteran_family, student and in_difficulty (63 services) once had no labels
    used = seeded_groups()
    assert used["veteran_family"] + used["student"] + used["in_difficulty"] == 63
    assert set(used) <= TARGET_GROUPS


def test_the_groups_inferred_from_needs_are_in_the_vocabulary():
    assert {group for _, group in IMPLIED_GROUPS} <= TARGET_GROUPS


def test_the_hsds_data_files_map_only_to_groups_in_the_vocabulary():
    crosswalk = json.loads((DATA / "openeligibility" / "crosswalk.json").read_text(encoding="utf-8"))
    phrases = json.loads((DATA / "eligibility_phrases.json").read_text(encoding="utf-8"))
    from_crosswalk = {g for rule in crosswalk["situations"].values() for g in rule.get("groups", [])}
    assert from_crosswalk <= TARGET_GROUPS
    assert set(phrases["groups"]) <= TARGET_GROUPS


def test_an_hsds_import_refuses_a_target_group_the_vocabulary_does_not_have():
    from referral.hsds import extension

    assert extension.decode("service", "target_groups", '["migrant","student"]') == ["migrant", "student"]
    with pytest.raises(ValueError, match="names target groups not in the vocabulary: martian, pirate$"):
        extension.decode("service", "target_groups", '["pirate","migrant","martian"]')
    assert extension.decode("service", "genders", '["pirate"]') == ["pirate"]  # genders are not groups
