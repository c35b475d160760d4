"""Optimistic concurrency: no edit silently overwrites another, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

from sqlalchemy import select

from referral.db import get_db
from referral.models import AuditEvent
from referral.seeding import stable_id
from tests.builders import seed_mini

AUTISM = stable_id("service", "east-autism")  # waitlisted, wait_days 30
URL = f"/v1/services/{AUTISM}"


def test_a_change_without_if_match_is_a_428_and_changes_nothing(app, client, admin_headers):
    seed_mini(app)
    response = client.patch(URL, json={"wait_days": 1}, headers=admin_headers)
    assert response.status_code == 428
    assert response.mimetype == "application/problem+json"
    assert client.get(URL).get_json()["wait_days"] == 30


def test_reads_carry_the_version_as_etag(app, client):
    seed_mini(app)
    response = client.get(URL)
    assert response.headers["ETag"] == f'"{response.get_json()["version"]}"'


def test_a_stale_if_match_loses_nothing_and_names_the_current_version(app, client, admin_headers):
    seed_mini(app)
    etag = client.get(URL).headers["ETag"]  # both writers read version 1
    first = client.patch(URL, json={"wait_days": 14}, headers={**admin_headers, "If-Match": etag})
    second = client.patch(URL, json={"cost_text": "免费"}, headers={**admin_headers, "If-Match": etag})
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    assert second.status_code == 412
    assert second.get_json()["current_version"] == 2 and second.headers["ETag"] == '"2"'
    now = client.get(URL).get_json()
    assert (now["wait_days"], now["cost_text"], now["version"]) == (
        14,
        "每月 200 元",
        2,
    )  # first kept, second not applied
    retried = client.patch(URL, json={"cost_text": "免费"}, headers={**admin_headers, "If-Match": '"2"'})
    assert retried.status_code == 200
    assert (retried.get_json()["wait_days"], retried.get_json()["cost_text"]) == (14, "免费")  # both outcomes


def test_concurrent_editors_never_lose_an_update_nor_see_a_locked_database(app, admin_headers):
    """Threads increment one field with read-modify-write and If-Match, retrying on 412."""
    seed_mini(app)
    threads, increments = 4, 5
    failures: list[str] = []

    def editor() -> None:
        client = app.test_client()
        done = 0
        while done < increments:
            read = client.get(URL)
            body = {"wait_days": read.get_json()["wait_days"] + 1}
            answer = client.patch(URL, json=body, headers={**admin_headers, "If-Match": read.headers["ETag"]})
            if answer.status_code == 200:
                done += 1
            elif answer.status_code != 412:
                failures.append(f"{answer.status_code} {answer.get_data(as_text=True)}")
                return

    workers = [threading.Thread(target=editor) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    final = app.test_client().get(URL).get_json()
    assert final["wait_days"] == 30 + threads * increments
    assert final["version"] == 1 + threads * increments
    with app.app_context(), get_db().session() as session:
        updates = session.scalars(select(AuditEvent).where(AuditEvent.object_id == AUTISM)).all()
        assert len(updates) == threads * increments  # one audit event per applied change


EAST_OFFICE = stable_id("site", "east-care-office")
LINK_VALUES = {
    "needs": [["development.autism"], ["development.autism", "family"], ["mental_health.counseling"], ["family"]],
    "area_places": [[], ["T1"], ["D1", "T2"], ["C1"]],
    "sites": [[], [EAST_OFFICE]],
}


def _link_editor(app, admin_headers, seed: int, edits: int, wins: list, failures: list) -> None:
    """Edits one link field at a time with If-Match; records every 2xx (version, field, value sent)."""
    client = app.test_client()
    fields = sorted(LINK_VALUES)
    for step in range(edits):
        field = fields[(seed + step) % len(fields)]
        read = client.get(URL)
        current = read.get_json()[field]
        value = next(
            v
            for v in LINK_VALUES[field][(seed + step) % len(LINK_VALUES[field]) :] + LINK_VALUES[field]
            if v != current
        )
        answer = client.patch(URL, json={field: value}, headers={**admin_headers, "If-Match": read.headers["ETag"]})
        if answer.status_code == 200:
            body = answer.get_json()
            wins.append((body["version"], field, value, body[field], answer.headers["ETag"]))
        elif answer.status_code != 412:
            failures.append(f"{answer.status_code} {answer.get_data(as_text=True)[:200]}")


def test_sixteen_threads_editing_needs_sites_and_area_lose_no_update(app, admin_headers):
    """Each 2xx edit gets its own, strictly increasing version; every applied change is visible in
    the record (the latest win of each field) and audited; every loser is a 412."""
    seed_mini(app)
    wins: list = []
    failures: list = []
    threads = [
        threading.Thread(target=_link_editor, args=(app, admin_headers, seed, 20, wins, failures)) for seed in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    wins.sort()
    assert [w[0] for w in wins] == list(range(2, 2 + len(wins)))  # no two edits passed as one version
    assert all(sent == stored and etag == f'"{version}"' for version, _f, sent, stored, etag in wins)
    final = app.test_client().get(URL).get_json()
    latest = {field: value for _v, field, value, _s, _e in wins}
    assert {field: final[field] for field in latest} == latest
    assert final["version"] == 1 + len(wins)
    with app.app_context(), get_db().session() as session:
        updates = session.scalars(select(AuditEvent).where(AuditEvent.object_id == AUTISM)).all()
        assert len(updates) == len(wins)


def test_a_link_only_edit_bumps_version_etag_and_updated_at(app, client, admin_headers):
    seed_mini(app)
    before = client.get(URL)
    after = client.patch(
        URL, json={"area_places": ["T2"]}, headers={**admin_headers, "If-Match": before.headers["ETag"]}
    )
    assert after.status_code == 200
    assert (after.get_json()["version"], after.headers["ETag"]) == (2, '"2"')
    assert after.get_json()["updated_at"] > before.get_json()["updated_at"]
    stale = client.patch(URL, json={"needs": ["family"]}, headers={**admin_headers, "If-Match": before.headers["ETag"]})
    assert stale.status_code == 412


def test_if_match_star_is_not_accepted_for_changes(app, client, admin_headers):
    seed_mini(app)
    response = client.patch(URL, json={"wait_days": 1}, headers={**admin_headers, "If-Match": "*"})
    assert response.status_code == 428 and response.mimetype == "application/problem+json"
    assert client.get(URL).get_json()["wait_days"] == 30
