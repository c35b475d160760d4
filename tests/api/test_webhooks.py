"""Webhooks: events written to the outbox with each change, delivered in order, signed, retried, logged.

Delivery is at-least-once: an event is re-sent when the worker died after sending it but before
recording the answer, so a receiver deduplicates by event id. These tests prove the other half:
nothing is lost, order per subscription holds, and a delivered event is not sent again.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from referral import delivery, webhooks
from referral.db import get_db
from referral.models import OutboxEvent
from tests.referral_setup import move, people, send

SECRET = "a-secret-of-at-least-24-characters"


class FakeTransport:
    """Records what it is asked to send; answers ``status``, or raises on the listed call numbers."""

    def __init__(self, status: int = 204, fail_on: tuple[int, ...] = ()):
        self.sent: list[tuple[str, bytes, dict[str, str]]] = []
        self.status, self.fail_on, self.calls = status, fail_on, 0

    def send(self, url, body, headers, timeout):
        self.calls += 1
        if self.calls in self.fail_on:
            raise delivery.TransportError("connection refused")
        self.sent.append((url, body, dict(headers)))
        return self.status

    def events(self) -> list[tuple[str, str | None]]:
        return [(json.loads(b)["type"], json.loads(b)["data"]["status"]) for _, b, _ in self.sent]


@pytest.fixture
def cast(app, make_key, admin_headers):
    return people(app, make_key, admin_headers)


LOOPBACK = pytest.mark.config({"REFERRALS": {"webhook_allow_private": True}})  # a receiver on this machine


def _subscribe(client, headers, url="https://case-app.example.org/hook", secret=SECRET):
    response = client.post(
        "/v1/webhooks", json={"url": url, "secret": secret} if secret else {"url": url}, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _deliver(app, transport, clock=None, **policy):
    with app.app_context():
        database, sealer = get_db(), app.extensions["referral.sealer"]
    kwargs = {"clock": clock} if clock else {}
    return delivery.deliver_due(database, sealer, transport, delivery.Policy(**policy), **kwargs)


def _lifecycle(client, cast):
    sent = send(client, cast.worker)
    for status in ("accepted", "completed"):
        assert move(client, sent["id"], cast.editor, status).status_code == 200
    return sent


def test_a_generated_secret_is_shown_once_and_kept_only_sealed(app, client, cast):
    created = _subscribe(client, cast.case_app, secret=None)
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 30
    listed = client.get("/v1/webhooks", headers=cast.case_app).get_json()["items"]
    assert listed == [{k: created[k] for k in ("id", "url", "status", "created_at")}]
    assert client.get("/v1/webhooks", headers=cast.worker).get_json()["items"] == []


def test_each_change_writes_its_event_in_the_same_transaction_and_delivers_in_order(app, client, cast):
    _subscribe(client, cast.worker)
    sent = _lifecycle(client, cast)
    with app.app_context(), get_db().session() as session:
        pending = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
    assert [(e.event_type, e.payload["data"]["status"]) for e in pending] == [
        ("referral.created", "requested"),
        ("referral.status_changed", "accepted"),
        ("referral.status_changed", "completed"),
    ]
    transport = FakeTransport()
    assert _deliver(app, transport) == 3
    assert transport.events() == [
        ("referral.created", "requested"),
        ("referral.status_changed", "accepted"),
        ("referral.status_changed", "completed"),
    ]
    assert all(json.loads(b)["data"]["referral_id"] == sent["id"] for _, b, _ in transport.sent)
    assert _deliver(app, transport) == 0 and len(transport.sent) == 3  # delivered events are not sent again


def test_events_carry_no_personal_field(app, client, cast):
    _subscribe(client, cast.worker)
    _lifecycle(client, cast)
    transport = FakeTransport()
    _deliver(app, transport)
    text = b"".join(b for _, b, _ in transport.sent).decode()
    assert "13912345678" not in text and "case-2026-0042" not in text and "情绪低落" not in text


def test_a_refused_change_writes_no_event(app, client, cast):
    _subscribe(client, cast.worker)
    sent = send(client, cast.worker)
    assert move(client, sent["id"], cast.editor, "completed").status_code == 409
    with app.app_context(), get_db().session() as session:
        assert session.scalars(select(OutboxEvent.event_type)).all() == ["referral.created"]


def test_delivery_stopped_midway_resumes_in_order_without_resending_what_was_delivered(app, client, cast):
    _subscribe(client, cast.worker)
    _lifecycle(client, cast)
    broken = FakeTransport(fail_on=(2,))  # the 2nd event's send fails: the worker stops for this subscription
    assert _deliver(app, broken) == 1
    assert broken.events() == [("referral.created", "requested")]
    later = datetime.now(UTC) + timedelta(hours=1)  # past the backoff
    restarted = FakeTransport()
    assert _deliver(app, restarted, clock=lambda: later) == 2
    assert restarted.events() == [("referral.status_changed", "accepted"), ("referral.status_changed", "completed")]
    log = client.get("/v1/admin/webhook-deliveries", headers=cast.admin).get_json()["items"]
    assert [(d["attempt"], d["ok"], d["error"]) for d in reversed(log)] == [
        (1, True, None),
        (1, False, "connection refused"),
        (2, True, None),
        (1, True, None),
    ]


def test_a_failed_attempt_waits_its_exponential_backoff_and_is_given_up_after_max_attempts(app, client, cast):
    _subscribe(client, cast.worker)
    send(client, cast.worker)
    now = datetime.now(UTC)
    failing = FakeTransport(status=500)
    policy = {"max_attempts": 3, "backoff_base_seconds": 10, "max_backoff_seconds": 15}
    assert _deliver(app, failing, clock=lambda: now, **policy) == 0
    assert _deliver(app, failing, clock=lambda: now + timedelta(seconds=9), **policy) == 0 and failing.calls == 1
    _deliver(app, failing, clock=lambda: now + timedelta(seconds=10), **policy)
    with app.app_context(), get_db().session() as session:
        event = session.scalars(select(OutboxEvent)).one()
        assert (event.attempts, event.status, event.next_attempt_at) == (2, "pending", now + timedelta(seconds=25))
    _deliver(app, failing, clock=lambda: now + timedelta(seconds=25), **policy)
    with app.app_context(), get_db().session() as session:
        assert session.scalars(select(OutboxEvent.status)).one() == "failed"
    assert failing.calls == 3


def test_an_event_another_worker_claimed_is_not_sent_twice(app, client, cast):
    _subscribe(client, cast.worker)
    send(client, cast.worker)
    with app.app_context():
        database = get_db()
    head = delivery._due_heads(database, datetime.now(UTC))[0][0]
    assert delivery._claim(database, head, delivery.Policy(), datetime.now(UTC))  # the other worker
    assert not delivery._claim(database, head, delivery.Policy(), datetime.now(UTC))
    assert _deliver(app, FakeTransport()) == 0


def test_only_admins_read_the_delivery_log(client, cast):
    assert client.get("/v1/admin/webhook-deliveries", headers=cast.worker).status_code == 403
    assert client.get("/v1/admin/webhook-deliveries", headers=cast.admin).get_json() == {"items": []}


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@LOOPBACK
def test_a_receiver_on_loopback_gets_three_correctly_signed_events_in_order(app, client, cast):
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        created = _subscribe(client, cast.worker, url=f"http://127.0.0.1:{server.server_port}/hooks", secret=None)
        _lifecycle(client, cast)
        assert _deliver(app, delivery.UrllibTransport(allow_private=True)) == 3
    finally:
        server.shutdown()
        server.server_close()
    now = int(time.time())
    assert all(webhooks.verify(created["secret"], h["Referral-Signature"], b, now) for h, b in _Receiver.received)
    assert [json.loads(b)["data"]["status"] for _, b in _Receiver.received] == ["requested", "accepted", "completed"]
    headers, body = _Receiver.received[0]
    assert not webhooks.verify("another-secret-entirely-0000", headers["Referral-Signature"], body, now)
    assert not webhooks.verify(created["secret"], headers["Referral-Signature"], body + b" ", now)
    assert headers["Referral-Event-Id"] == json.loads(body)["id"]


def test_a_signature_is_hmac_sha256_over_timestamp_dot_body():
    header = webhooks.signature("s3cret", 1700000000, b'{"a":1}')
    assert header == "t=1700000000,v1=" + __import__("hmac").new(b"s3cret", b'1700000000.{"a":1}', "sha256").hexdigest()
    assert webhooks.verify("s3cret", header, b'{"a":1}', 1700000100)
    assert not webhooks.verify("s3cret", header, b'{"a":1}', 1700000000 + 301)  # too old: a replay


def test_the_worker_command_delivers_once_and_exits(app, client, cast, runner, monkeypatch):
    _subscribe(client, cast.worker)
    send(client, cast.worker)
    transport = FakeTransport()
    monkeypatch.setattr(delivery, "UrllibTransport", lambda allow_private=False: transport)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and result.output == "delivered 1 events, purged 0 referrals, ran 0 jobs\n"
    assert transport.events() == [("referral.created", "requested")]


def test_a_worker_that_dies_between_sending_and_recording_sends_the_same_event_again(app, client, cast, monkeypatch):
    _subscribe(client, cast.worker)
    send(client, cast.worker)
    recorded = delivery._record

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(delivery, "_record", crash)
    first = FakeTransport()
    with pytest.raises(KeyboardInterrupt):
        _deliver(app, first)
    monkeypatch.setattr(delivery, "_record", recorded)
    again = FakeTransport()
    assert _deliver(app, again) == 0  # its claim holds until the send's timeout has surely passed
    after_lease = datetime.now(UTC) + timedelta(minutes=1)
    assert _deliver(app, again, clock=lambda: after_lease) == 1
    ids = [json.loads(b)["id"] for _, b, _ in first.sent + again.sent]
    assert len(ids) == 2 and ids[0] == ids[1]  # at least once: the receiver deduplicates by event id


# -- server-side request forgery: a webhook URL never reaches this server's own network ------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",  # this server
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/",  # a cloud metadata endpoint
        "http://10.0.0.5/hook",
        "http://192.168.1.20/hook",
        "http://172.16.0.1/hook",  # the intranet
        "http://100.64.0.1/hook",  # shared address space (CGNAT)
        "http://[::ffff:127.0.0.1]/hook",  # loopback written as IPv4-mapped IPv6
        "http://0.0.0.0/hook",
        "https://metadata.google.internal/hook",
        "http://printer.local/hook",
        "http://db.localhost/hook",
    ],
)
def test_a_webhook_to_a_local_or_private_address_is_refused_and_nothing_is_stored(app, client, cast, url):
    response = client.post("/v1/webhooks", json={"url": url}, headers=cast.worker)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert [e["field"] for e in response.get_json()["errors"]] == ["url"]
    assert client.get("/v1/webhooks", headers=cast.worker).get_json()["items"] == []


class _Redirect(BaseHTTPRequestHandler):
    target = ""

    def do_POST(self) -> None:
        self.send_response(307)
        self.send_header("Location", type(self).target)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def _serving(handler):
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_the_transport_refuses_a_non_public_peer_before_sending_a_byte():
    _Receiver.received = []
    server = _serving(_Receiver)
    try:
        with pytest.raises(delivery.TransportError, match="non-public address"):
            delivery.UrllibTransport().send(f"http://127.0.0.1:{server.server_port}/hook", b"{}", {}, 5)
    finally:
        server.shutdown()
        server.server_close()
    assert _Receiver.received == []


def test_a_redirect_is_the_receivers_answer_never_a_request_elsewhere():
    _Receiver.received = []
    inner = _serving(_Receiver)
    _Redirect.target = f"http://127.0.0.1:{inner.server_port}/inner"
    outer = _serving(_Redirect)
    try:
        status = delivery.UrllibTransport(allow_private=True).send(
            f"http://127.0.0.1:{outer.server_port}/", b"{}", {}, 5
        )
    finally:
        for server in (inner, outer):
            server.shutdown()
            server.server_close()
    assert status == 307 and _Receiver.received == []


def test_a_url_for_another_scheme_is_never_opened():
    with pytest.raises(delivery.TransportError):
        delivery.UrllibTransport(allow_private=True).send("file:///etc/passwd", b"{}", {}, 5)
