"""Gap figures: a match that reports a need unmet adds one to an anonymous (place, need, month)
counter and stores nothing else; admins read the counts, suppressed below the minimum cell size."""

from __future__ import annotations

from sqlalchemy import func, inspect, select, text

from referral import matchmaking
from referral.db import get_db
from referral.models import GapCount
from tests.builders import seed_mini

NOT_ELIGIBLE = {
    "location": {"place": "T1"},
    "child": {"age": 14},  # too old for the autism service (2-12)
    "needs": [{"code": "development.autism", "severity": 3}],
}


def _row_counts(app) -> dict[str, int]:
    with app.app_context(), get_db().engine.connect() as connection:
        return {
            t: connection.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
            for t in inspect(connection).get_table_names()
        }


def _match(client, headers, times=1, body=NOT_ELIGIBLE):
    for _ in range(times):
        response = client.post("/v1/match", json=body, headers=headers)
        assert response.status_code == 200 and response.get_json()["unmet_needs"]
        response.close()  # the count is written after the answer is sent


def test_an_unmet_need_adds_one_to_its_counter_and_the_match_is_otherwise_unstored(app, client, worker_headers):
    seed_mini(app)
    before = _row_counts(app)
    _match(client, worker_headers, times=2)
    after = _row_counts(app)
    month = matchmaking.month_now(app.config)
    with app.app_context(), get_db().session() as session:
        rows = [(g.place_code, g.need_code, g.month, g.count) for g in session.scalars(select(GapCount))]
    assert rows == [("T1", "development.autism", month, 2)]
    assert {t: n for t, n in after.items() if n != before[t]} == {"gap_counts": 1}


def test_a_match_that_meets_every_need_counts_nothing(app, client, worker_headers):
    seed_mini(app)
    body = {**NOT_ELIGIBLE, "child": {"age": 9, "groups": ["migrant"]}}
    response = client.post("/v1/match", json=body, headers=worker_headers)
    assert response.get_json()["unmet_needs"] == []
    response.close()
    with app.app_context(), get_db().session() as session:
        assert session.scalar(select(func.count()).select_from(GapCount)) == 0


def test_a_need_text_nothing_could_be_read_from_counts_nothing(app, client, worker_headers):
    seed_mini(app)
    response = client.post(
        "/v1/match", json={**NOT_ELIGIBLE, "needs": [{"text": "qwzx plorf", "severity": 2}]}, headers=worker_headers
    )
    assert [u["reason"] for u in response.get_json()["unmet_needs"]] == ["not_understood"]
    response.close()
    with app.app_context(), get_db().session() as session:
        assert session.scalar(select(func.count()).select_from(GapCount)) == 0


def test_admins_read_counts_with_small_cells_suppressed(app, client, worker_headers, admin_headers):
    seed_mini(app)
    _match(client, worker_headers, times=5)
    _match(client, worker_headers, times=4, body={**NOT_ELIGIBLE, "location": {"place": "T2"}})
    month = matchmaking.month_now(app.config)
    report = client.get("/v1/gaps", headers=admin_headers).get_json()
    assert report == {
        "min_cell": 5,
        "items": [
            {"place": "T1", "need": "development.autism", "month": month, "count": 5, "suppressed": False},
            {"place": "T2", "need": "development.autism", "month": month, "count": None, "suppressed": True},
        ],
    }
    csv = client.get("/v1/gaps?format=csv", headers=admin_headers)
    assert csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True) == (
        f"month,place,need,count,suppressed\n{month},T1,development.autism,5,false\n"
        f"{month},T2,development.autism,,true\n"
    )
    assert client.get("/v1/gaps", headers=worker_headers).status_code == 403
    assert client.get("/v1/gaps?since=2026-13", headers=admin_headers).status_code == 422
