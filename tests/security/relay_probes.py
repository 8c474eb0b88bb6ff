"""The open-relay probes, written once and run against two proxies: rtcgate (test_open_relay) and
Debian's Kamailio with an authenticating configuration (test_open_relay_kamailio), so that what
rtcgate refuses can be compared with what a trusted proxy refuses, and what rtcgate lets through
with what a trusted proxy lets through.

A proxy under test has the domain `localhost`, the USERS alice and bob, a route sending numbers
matching ^9[0-9]{3,}$ to the sink `trunk` for local users only, and listens on 127.0.0.1. The
attacker's targets are the sinks `target` (127.0.0.2) and `other` (127.0.0.3); a probe passes
when they get nothing and the proxy says no.
"""
import functools
import re
import secrets
import socket
import time

from sinks import Sink, final_response, registered
from siptest import (SDP, Callee, Connection, UserAgent, check, digest_response, place_call,
                     tests_in)

target = Sink("127.0.0.2")
other = Sink("127.0.0.3")
trunk = Sink("127.0.0.4")
SINKS = (target, other, trunk)
ROUTE_PATTERN = "^9[0-9]{3,}$"
USERS = (("alice", "alicepw"), ("bob", "bobpw"))


class Proxy:
    """The proxy under test as the probes see it: its ports by transport (udp and tcp), a port
    number it listens on for something other than UDP, and whether it is rtcgate. rtcgate must
    answer with its own documented statuses and put its tokens in Record-Route; another proxy
    may say no in its own words (any final answer, so long as nothing reached a target), and
    each answer that differs from rtcgate's is noted for the comparison."""

    def __init__(self, ports, spare_port, rtcgate=True):
        self.ports = ports
        self.address = f"127.0.0.1:{ports['udp']}"
        self.spare_port = spare_port
        self.rtcgate = rtcgate
        self.notes = []

    def refused(self, response, statuses, what):
        status = response.status if response is not None else None
        if self.rtcgate:
            check(status in statuses, f"{what}: {response}")
            return
        check(status is not None and status >= 300 and not target.received()
              and not other.received(),
              f"{what}: {response}; the targets got: {target.describe()}; {other.describe()}")
        if status not in statuses:
            self.notes.append(f"{what}: {status} (rtcgate: {'/'.join(map(str, statuses))})")


def attacker(proxy, transport="udp"):
    return Connection(transport, proxy.ports[transport])


def request(method, uri, extra=(), to_tag=None, call_id=None, from_uri="sip:mallory@evil.test",
            via_host=None, body=""):
    to = f"<{uri}>" + (f";tag={to_tag}" if to_tag else "")
    lines = [f"{method} {uri} SIP/2.0",
             f"Via: SIP/2.0/UDP {via_host or '127.0.0.1:9'};branch=z9hG4bK{secrets.token_hex(6)}"
             ";rport",
             "Max-Forwards: 70", f"From: <{from_uri}>;tag={secrets.token_hex(4)}", f"To: {to}",
             f"Call-ID: {call_id or secrets.token_hex(8)}",
             f"CSeq: 1 {method}", *extra, f"Content-Length: {len(body)}"]
    return "\r\n".join(lines) + "\r\n\r\n" + body


def expect_nothing_sent(what, sinks=(target, other)):
    quiet = all(sink.quiet_for(0.6 if sink is sinks[0] else 0) for sink in sinks)
    check(quiet, f"{what}: the proxy sent to the attacker's target: "
          + "; ".join(sink.describe() for sink in sinks))


def clear():
    for sink in SINKS:
        sink.clear()


def authenticated_invite(ua, uri, extra=()):
    """An INVITE from ua answered with digest when challenged; the final response."""
    call_id = secrets.token_hex(8)
    headers = [f"Contact: {ua.contact()}", "Content-Type: application/sdp", *extra]
    ua.c.send(ua.request("INVITE", uri, headers, body=SDP, call_id=call_id, to=f"<{uri}>"))
    response = final_response(ua.c)
    if response is not None and response.status == 407:
        auth = digest_response(response.all("Proxy-Authenticate")[0], "INVITE", uri, ua.user,
                               ua.password)
        ua.c.send(ua.request("INVITE", uri, headers + [f"Proxy-Authorization: {auth}"],
                             body=SDP, call_id=call_id, to=f"<{uri}>"))
        response = final_response(ua.c)
    return response


def lifted_record_route(proxy):
    """A stranger calls bob, registered over TCP (allowed: calls to local users), and keeps the
    Record-Route set of that call; bob is busy. Returns (bob, the Record-Route entries)."""
    bob = registered(proxy, "bob", "tcp")
    clear()
    sock = attacker(proxy)
    sock.send(request("INVITE", "sip:bob@localhost", ["Contact: <sip:m@127.0.0.1:9>",
                                                       "Content-Type: application/sdp"],
                      body=SDP))
    invite = bob.wait_request("INVITE")
    routes = invite.all("Record-Route")
    check(routes, "the stranger's call to bob was not record-routed")
    bob.respond(invite, 486, "Busy Here", to_tag="b1")
    busy = final_response(sock)
    check(busy is not None and busy.status == 486, f"the stranger's call: {busy}")
    return bob, routes


def lifted_routes(proxy, routes):
    """The Route headers an attacker builds from a lifted Record-Route set: each entry as it
    came, and each rtcgate token in it on a bare Route to the proxy."""
    tokens = [token for route in routes for token in re.findall(r"ftok=([^;>]+)", route)]
    check(tokens or not proxy.rtcgate, f"no token in the Record-Route set {routes}")
    return routes + [f"<sip:{proxy.address};lr;ftok={token}>" for token in tokens]


def expect_bob_got_nothing(bob):
    extra = bob.c.recv(0.5)
    check(extra is None or extra.is_response or extra.method == "ACK",
          f"bob got a request through a lifted Record-Route: {extra}")


# ---------------------------------------------------------------- unauthenticated sources

def test_ack_without_route_or_transaction_goes_nowhere(proxy):
    clear()
    sock = attacker(proxy)
    sock.send(request("ACK", f"sip:victim@{target.uri_host}"))
    sock.send(request("ACK", f"sip:victim@{target.uri_host}", to_tag="abc"))
    expect_nothing_sent("ACK without a Route to us")


def test_ack_with_our_route_but_no_token_goes_nowhere(proxy):
    clear()
    sock = attacker(proxy)
    sock.send(request("ACK", f"sip:victim@{target.uri_host}", [f"Route: <sip:{proxy.address};lr>"],
                      to_tag="abc"))
    expect_nothing_sent("ACK with a bare Route to us")


def test_in_dialog_request_of_no_dialog_is_refused(proxy):
    clear()
    for transport in ("udp", "tcp"):
        sock = attacker(proxy, transport)
        for method in ("BYE", "INVITE", "INFO", "UPDATE", "REFER", "MESSAGE"):
            sock.send(request(method, f"sip:victim@{target.uri_host}",
                              [f"Route: <sip:{proxy.address};lr>"], to_tag="abc"))
            proxy.refused(final_response(sock), (481,),
                          f"in-dialog {method} of no dialog over {transport}")
    expect_nothing_sent("in-dialog requests of no dialog")


def test_forged_token_is_refused(proxy):
    clear()
    sock = attacker(proxy)
    # Both forms rtcgate honours: hex, and the base64url of tokens issued before 2026-12.
    for forged in ("1.00000000000000000000000000000000", "1.AAAAAAAAAAAAAAAAAAAAAA"):
        sock.send(request("BYE", f"sip:victim@{target.uri_host}",
                          [f"Route: <sip:{proxy.address};lr;ftok={forged}>"], to_tag="abc"))
        proxy.refused(final_response(sock), (481,), "forged token " + forged)
    expect_nothing_sent("a request with a forged token")


def test_stray_response_is_not_sent_along_its_via(proxy):
    clear()
    sock = attacker(proxy)
    response = (f"SIP/2.0 200 OK\r\n"
                f"Via: SIP/2.0/UDP {proxy.address}"
                f";branch=z9hG4bK{secrets.token_hex(6)}.1234abcd\r\n"
                f"Via: SIP/2.0/UDP {target.uri_host};branch=z9hG4bK{secrets.token_hex(6)}\r\n"
                f"Via: SIP/2.0/TCP {other.uri_host};branch=z9hG4bK{secrets.token_hex(6)}\r\n"
                f"From: <sip:a@evil.test>;tag=1\r\nTo: <sip:b@evil.test>;tag=2\r\n"
                f"Call-ID: {secrets.token_hex(8)}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
    sock.send(response)
    expect_nothing_sent("a stray response")


def test_stranger_reaches_no_direct_target(proxy):
    clear()
    sock = attacker(proxy)
    for uri in (f"sip:+19005550100@{target.uri_host}", f"sip:victim@{other.uri_host};transport=tcp",
                "sip:9123456@localhost"):
        sock.send(request("INVITE", uri, body=SDP))
        proxy.refused(final_response(sock), (403, 404, 480), f"stranger's INVITE to {uri}")
    expect_nothing_sent("a stranger's INVITE", (target, other, trunk))


def test_stranger_with_preloaded_route_is_refused(proxy):
    clear()
    sock = attacker(proxy)
    sock.send(request("INVITE", "sip:bob@localhost", [f"Route: <sip:{target.uri_host};lr>"],
                      body=SDP))
    proxy.refused(final_response(sock), (403,), "preloaded Route")
    expect_nothing_sent("a preloaded Route")


def test_lifted_record_route_authenticates_nothing(proxy):
    """An initial request as alice with the Route set lifted from a stranger's call (rtcgate's
    tokens in it) is challenged or refused, and reaches neither bob nor anybody else."""
    bob, routes = lifted_record_route(proxy)
    sock = attacker(proxy)
    for route in lifted_routes(proxy, routes):
        sock.send(request("INVITE", "sip:bob@localhost", [f"Route: {route}"],
                          from_uri="sip:alice@localhost", body=SDP))
        proxy.refused(final_response(sock), (403, 407, 481),
                      "an initial request with a lifted Record-Route")
    expect_bob_got_nothing(bob)
    expect_nothing_sent("initial requests with a lifted Record-Route")
    bob.c.close()


def test_lifted_record_route_opens_no_other_call(proxy):
    """The Route set lifted from a stranger's call, in a request of another Call-ID toward the
    attacker's target: rtcgate's tokens are bound to their call."""
    bob, routes = lifted_record_route(proxy)
    sock = attacker(proxy)
    for route in lifted_routes(proxy, routes):
        sock.send(request("BYE", f"sip:victim@{target.uri_host}", [f"Route: {route}"],
                          to_tag="x"))
        proxy.refused(final_response(sock), (481,), "a lifted Record-Route in another call")
    expect_bob_got_nothing(bob)
    expect_nothing_sent("requests of another call with a lifted Record-Route")
    bob.c.close()


def test_our_own_listener_address_is_no_credential(proxy):
    """A datagram from 127.0.0.1:<a port the proxy listens on, but not for UDP> is not it."""
    clear()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", proxy.spare_port))
    invite = request("INVITE", f"sip:+19005550100@{target.uri_host}",
                     from_uri="sip:alice@localhost", via_host=f"127.0.0.1:{proxy.spare_port}",
                     body=SDP)
    sock.sendto(invite.encode(), ("127.0.0.1", proxy.ports["udp"]))
    sock.settimeout(3)
    status = 100
    while status < 200:
        data, _ = sock.recvfrom(65536)
        status = int(data.split(b" ", 2)[1])
    check(status in (403, 407), f"INVITE from our own listener's address: {status}")
    sock.close()
    expect_nothing_sent("an INVITE from our own address")


# ---------------------------------------------------------------- authenticated users

def test_user_reaches_no_direct_target(proxy):
    alice = registered(proxy, "alice")
    clear()
    for uri in (f"sip:+19005550100@{target.uri_host}", f"sip:victim@{other.uri_host}"):
        proxy.refused(authenticated_invite(alice, uri), (403,), f"alice's INVITE to {uri}")
    expect_nothing_sent("an authenticated user's direct target")
    alice.c.close()


def test_user_with_preloaded_route_reaches_no_direct_target(proxy):
    alice = registered(proxy, "alice")
    clear()
    proxy.refused(authenticated_invite(alice, "sip:bob@localhost",
                                       [f"Route: <sip:{target.uri_host};lr>"]),
                  (403,), "alice's preloaded Route")
    expect_nothing_sent("an authenticated user's preloaded Route")
    alice.c.close()


def test_user_reaches_configured_routes(proxy):
    alice = registered(proxy, "alice")
    clear()
    alice.c.send(alice.request("INVITE", "sip:91234567@localhost",
                               ["Content-Type: application/sdp"], body=SDP))
    challenge = final_response(alice.c)
    check(challenge is not None and challenge.status == 407, f"no challenge: {challenge}")
    auth = digest_response(challenge.all("Proxy-Authenticate")[0], "INVITE",
                           "sip:91234567@localhost", "alice", "alicepw")
    alice.c.send(alice.request("INVITE", "sip:91234567@localhost",
                               ["Content-Type: application/sdp",
                                f"Proxy-Authorization: {auth}"], body=SDP))
    deadline = time.time() + 3
    while time.time() < deadline and not trunk.received():
        time.sleep(0.05)
    check(any(d.startswith(b"INVITE sip:91234567@127.0.0.4") for _, d in trunk.received()),
          f"the route target got: {trunk.describe()}")
    alice.c.close()


def test_registered_users_call_each_other(proxy):
    """alice (digest) calls bob, registered over TCP; bob answers; the ACK and alice's BYE
    follow the Record-Route set of the dialog."""
    bob = Callee(registered(proxy, "bob", "tcp"))
    alice = UserAgent(Connection("udp", proxy.ports["udp"]), "alice", password="alicepw")
    final, dialog = place_call(alice, "bob")
    check(final.status == 200, f"alice's call to bob: {final}")
    bob.finish()
    alice.c.close()
    bob.ua.c.close()


PROBES = tests_in(globals())


def aimed_at(proxy):
    """The probes as siptest.run_tests takes them, each bound to `proxy`."""
    return [(name, functools.partial(probe, proxy)) for name, probe in PROBES]


def close_sinks():
    for sink in SINKS:
        sink.close()
