"""The loop closed on the demo directory, as a new user tries it: match, refer the first result with
consent, the organization accepts and completes it, a loopback receiver gets three signed events in
order, the next match tells the service's record, and after the retention time the contact is gone."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import HTTPServer

import pytest
from sqlalchemy import inspect, text

from referral import delivery, referrals, webhooks
from referral.config import PROJECT_ROOT
from referral.db import get_db
from referral.models import Referral
from referral.policy import CLI
from referral.seeding import load
from tests.api.test_webhooks import _Receiver
from tests.referral_setup import PHONE, move, referral_body

SEEDS = PROJECT_ROOT / "seeds"
MATCH = {
    "location": {"place": "城厢镇"},
    "child": {"age": 12},
    "needs": [{"code": "mental_health.counseling", "severity": 2}],
}


@pytest.mark.config({"REFERRALS": {"webhook_allow_private": True}})  # the case app's receiver is on loopback
def test_a_referral_goes_round_the_whole_loop_on_the_demo_directory(app, client, make_key):
    with app.app_context(), get_db().session(write=True) as session:
        load(session, SEEDS / "needs.json", SEEDS / "regions" / "suzhou-zhenjiang")
    worker = make_key("social_worker")
    first = client.post("/v1/match", json=MATCH, headers={**worker, "Accept-Language": "en"}).get_json()["results"][0]
    editor = make_key("org_editor", first["organization"]["id"])
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        hook = client.post(
            "/v1/webhooks", json={"url": f"http://127.0.0.1:{server.server_port}/"}, headers=worker
        ).get_json()
        body = referral_body(
            service_id=first["service"]["id"],
            site_id=(first["site"] or {}).get("id"),
            needs=[{"code": "mental_health.counseling", "severity": 2}],
        )
        sent = client.post("/v1/referrals", json=body, headers=worker).get_json()
        inbox = client.get("/v1/referrals?status=requested", headers=editor).get_json()["items"]
        assert [r["id"] for r in inbox] == [sent["id"]] and inbox[0]["family_contact"]["phone"] == PHONE
        assert move(client, sent["id"], editor, "accepted").status_code == 200
        assert move(client, sent["id"], editor, "completed").status_code == 200
        with app.app_context():
            database, sealer = get_db(), app.extensions["referral.sealer"]
        assert delivery.deliver_due(database, sealer, delivery.UrllibTransport(allow_private=True)) == 3
    finally:
        server.shutdown()
        server.server_close()
    events = [(h, b) for h, b in _Receiver.received]
    assert [json.loads(b)["data"]["status"] for _, b in events] == ["requested", "accepted", "completed"]
    assert all(webhooks.verify(hook["secret"], h["Referral-Signature"], b, int(time.time())) for h, b in events)

    again = client.post("/v1/match", json=MATCH, headers={**worker, "Accept-Language": "en"}).get_json()["results"]
    service = next(r for r in again if r["service"]["id"] == first["service"]["id"])
    assert any(r.startswith("Accepted 1 of 1 referrals in the last 90 days") for r in service["reasons"])

    with app.app_context(), get_db().session(write=True) as session:
        closed = session.get(Referral, sent["id"]).closed_at
        assert session.get(Referral, sent["id"]).family_contact_sealed is not None
        assert (
            referrals.purge(
                session,
                CLI,
                app.config["REFERRALS"]["retention_days"],
                now=closed + timedelta(days=app.config["REFERRALS"]["retention_days"]),
            )
            == 1
        )
    with app.app_context(), get_db().engine.connect() as connection:
        everything = "".join(
            str(row)
            for t in inspect(connection).get_table_names()
            for row in connection.execute(text(f'SELECT * FROM "{t}"'))
        )
        assert connection.execute(text("SELECT family_contact_sealed, consent_sealed FROM referrals")).all() == [
            (None, None)
        ]
    assert (
        PHONE not in everything
        and client.get(f"/v1/referrals/{sent['id']}", headers=worker).get_json()["family_contact"] is None
    )
