"""Property: arbitrary Unicode (lone surrogates, NUL, controls included) sent through every write
route of the directory never gives a 5xx, and a refusal stores nothing."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from referral.db import get_db
from referral.models import AuditEvent, DirectoryState, Organization, Service, Site
from referral.seeding import stable_id
from tests import builders
from tests.builders import seed_mini

EAST = stable_id("organization", "east-care")
EAST_OFFICE = stable_id("site", "east-care-office")
AUTISM = stable_id("service", "east-autism")
# Any code point, with lone surrogates, NUL and controls drawn often (hypothesis leaves surrogates out by default).
ANY_TEXT = st.text(
    st.one_of(st.characters(), st.sampled_from(["\ud800", "\udfff", "\x00", "\x1b", "\x85"])), max_size=40
)
TEXT_FIELDS = {
    "organizations": ("name", "description", "phone", "email", "website"),
    "sites": ("name", "address", "accessibility", "phone", "place"),
    "services": ("name", "description", "cost_text", "organization_id"),
}
BODIES = {
    "organizations": builders.organization,
    "sites": lambda: builders.site(EAST),
    "services": lambda: builders.service(EAST),
}
RECORDS = {"organizations": EAST, "sites": EAST_OFFICE, "services": AUTISM}


def snapshot(app) -> tuple:
    with app.app_context(), get_db().session() as session:
        rows = tuple(
            session.scalar(select(func.count()).select_from(m)) for m in (Organization, Site, Service, AuditEvent)
        )
        return (*rows, session.scalar(select(DirectoryState.version)))


@st.composite
def hostile_edits(draw):
    resource = draw(st.sampled_from(sorted(TEXT_FIELDS)))
    field = draw(st.sampled_from(TEXT_FIELDS[resource]))
    value = draw(ANY_TEXT)
    where = draw(st.sampled_from(["field", "names", "key"]))
    change = (
        {field: value}
        if where == "field"
        else ({"names": {"zh": value}} if where == "names" else {"names": {value: "x"}})
    )
    return resource, draw(st.sampled_from(["POST", "PATCH"])), change


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edit=hostile_edits())
def test_arbitrary_unicode_through_every_write_route_never_gives_a_5xx_nor_stores_a_refusal(
    app, client, admin_headers, edit
):
    resource, method, change = edit
    if snapshot(app)[0] == 0:
        seed_mini(app)
    url = f"/v1/{resource}" + (f"/{RECORDS[resource]}" if method == "PATCH" else "")
    body = {**BODIES[resource](), **change} if method == "POST" else change
    headers = (
        {**admin_headers, "If-Match": client.get(url).headers.get("ETag", "")} if method == "PATCH" else admin_headers
    )
    before = snapshot(app)
    response = client.open(url, method=method, data=json.dumps(body), content_type="application/json", headers=headers)
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"
        assert snapshot(app) == before
    else:
        assert client.get(f"/v1/{resource}/{response.get_json()['id']}").status_code == 200
        assert client.get(f"/v1/{resource}", query_string={"status": "any"}).status_code == 200
