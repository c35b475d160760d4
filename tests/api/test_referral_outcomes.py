"""Learning from outcomes through the app: accepted referrals show in the next match's score and reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from referral import outcomes
from referral.db import get_db
from tests.referral_setup import COUNSELLING, move, people, send

MATCH = {
    "location": {"place": "T1"},
    "child": {"age": 9},
    "needs": [{"code": "mental_health.counseling", "severity": 2}],
}


def _counselling(client, headers, language="en"):
    body = client.post("/v1/match", json=MATCH, headers={**headers, "Accept-Language": language}).get_json()
    return next(r for r in body["results"] if r["service"]["id"] == COUNSELLING)


def test_the_next_match_mentions_the_services_acceptance_record_and_scores_it(app, client, make_key, admin_headers):
    cast = people(app, make_key, admin_headers)
    before = _counselling(client, cast.worker)
    assert before["score_parts"]["outcomes"] == 0.0 and not any("referrals in the last" in r for r in before["reasons"])
    for n in range(3):
        sent = send(client, cast.worker, child_ref=f"case-{n}")
        move(client, sent["id"], cast.editor, "accepted")
    declined = send(client, cast.worker, child_ref="case-9")
    move(client, declined["id"], cast.editor, "declined", reason="family_not_reachable")
    after = _counselling(client, cast.worker)
    assert "Accepted 3 of 4 referrals in the last 90 days, in 0 days (median)." in after["reasons"]
    a, b = 7.0, 3.0  # the default prior: 10 referrals at 0.7
    assert after["score_parts"]["outcomes"] == round((3 + a) / (4 + a + b) - 0.7, 3)
    assert after["score"] > before["score"]
    assert _counselling(client, cast.worker, "zh")["reasons"][-1] == "近90天接收了4个转介中的3个，中位用时0天。"


def test_the_record_counts_first_decisions_inside_the_window_only(app, client, make_key, admin_headers):
    cast = people(app, make_key, admin_headers)
    sent = send(client, cast.worker)
    move(client, sent["id"], cast.editor, "accepted")
    move(client, sent["id"], cast.editor, "failed")
    with app.app_context(), get_db().session() as session:
        now = datetime.now(UTC)
        assert outcomes.records(session, 90, now)[COUNSELLING].accepted == 1  # a later failure does not undo it
        assert outcomes.records(session, 90, now + timedelta(days=91)) == {}


def test_a_decision_updates_the_index_by_a_delta_of_its_service_not_a_rebuild(app, client, make_key, admin_headers):
    cast = people(app, make_key, admin_headers)
    _counselling(client, cast.worker)
    cache = app.extensions["referral.index"]
    builds, deltas = cache.builds, cache.deltas
    sent = send(client, cast.worker)
    move(client, sent["id"], cast.editor, "accepted")
    after = _counselling(client, cast.worker)
    assert any(r.startswith("Accepted 1 of 1 referrals") for r in after["reasons"])
    assert (cache.builds, cache.deltas) == (builds, deltas + 1)
