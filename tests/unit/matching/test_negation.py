"""Notes that deny a need do not infer it; a cue in another clause does not count."""

from __future__ import annotations

import pytest

from referral.matching.messages import negation_cues
from referral.matching.text import negated

CUES = negation_cues()


@pytest.mark.parametrize(
    "notes, phrase, expected",
    [
        ("No signs of autism. Parents need parenting advice.", "autism", True),
        ("No signs of autism. Parents need parenting advice.", "parenting", False),
        ("Assessment ruled out autism", "autism", True),
        ("The child has autism", "autism", False),
        ("Autism was ruled out", "autism", False),  # the cue follows: not read as a negation
        ("没有自闭症迹象，家长需要家庭教育指导", "自闭症", True),
        ("没有自闭症迹象，家长需要家庭教育指导", "家庭教育指导", False),  # the cue is in another clause
        ("家长不懂怎么教育孩子，需要家庭教育指导", "家庭教育指导", False),  # 不 is not a cue
        ("孩子无法集中注意力", "注意力", False),  # 无 belongs to a symptom
        ("未见自闭症表现。", "自闭症", True),
        ("No autism; but autism in the family history", "autism", False),  # one plain mention is enough
        ("Knowledge of autism is low", "autism", False),  # "no" inside "knowledge" is not the word no
        ("nothing about it", "autism", False),  # never mentioned: nothing to negate
    ],
)
def test_a_negation_cue_before_a_phrase_in_its_clause_negates_it(notes, phrase, expected):
    assert negated(notes, phrase, CUES) is expected
