"""Which addresses outbound requests (webhooks) may reach: referral.outbound."""

import pytest

from referral.outbound import public, url_problem


@pytest.mark.parametrize(
    "address, expected",
    [
        ("93.184.216.34", True),  # a public IPv4 address
        ("2606:4700:4700::1111", True),  # a public IPv6 address
        ("127.0.0.1", False),
        ("::1", False),  # loopback
        ("10.1.2.3", False),
        ("172.31.255.255", False),
        ("192.168.0.1", False),
        ("fd00::1", False),  # private
        ("169.254.169.254", False),
        ("fe80::1%eth0", False),  # link-local (the metadata endpoint)
        ("100.64.0.1", False),  # shared (CGNAT)
        ("0.0.0.0", False),
        ("240.0.0.1", False),  # unspecified, reserved
        ("224.0.0.1", False),
        ("ff02::1", False),  # multicast
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.216.34", True),  # IPv4-mapped: read as IPv4
        ("not-an-address", False),
    ],
)
def test_only_public_unicast_addresses_are_public(address, expected):
    assert public(address) is expected


def test_a_url_naming_a_local_host_has_a_problem_unless_private_addresses_are_allowed():
    assert (
        url_problem("http://localhost:8080/hook")
        == "The host localhost is local to this server's network; use a public address."
    )
    assert url_problem("http://10.0.0.1/hook") == (
        "The address 10.0.0.1 is loopback, private, link-local or reserved; use a public address."
    )
    assert url_problem("https://hooks.example.org/a") is None  # names are checked when connecting
    assert url_problem("http://localhost:8080/hook", allow_private=True) is None
    assert url_problem("http:///hook") == "The URL has no host."
