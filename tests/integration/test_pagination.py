"""One pagination (queries.paginate) for the directory's lists, referrals and reports."""

from __future__ import annotations

from sqlalchemy import select

from referral.db import get_db
from referral.models import Service
from referral.queries import Page, paginate
from tests.builders import seed_mini


def pages(app, per_page: int) -> list[Page]:
    with app.app_context(), get_db().session() as session:
        return [paginate(session, select(Service), page, per_page, Service.name, Service.id) for page in (1, 2, 3)]


def test_pages_split_the_whole_list_in_a_stable_order_and_count_it_all(app):
    seed_mini(app)
    first, second, past_the_end = pages(app, per_page=3)
    with app.app_context(), get_db().session() as session:
        every = list(session.scalars(select(Service.id).order_by(Service.name, Service.id)))
    assert [s.id for s in first.items] + [s.id for s in second.items] == every
    assert (first.total, len(first.items), first.page, first.per_page) == (4, 3, 1, 3)
    assert (second.total, len(second.items), second.page) == (4, 1, 2)
    assert (past_the_end.total, list(past_the_end.items)) == (4, [])
