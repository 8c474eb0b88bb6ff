"""Trunk fencing (docs/security.md, "Trunks"): a request from a trunk -- from its
`inbound.sources` or from the host we registered with -- is not challenged, so what it may reach
is fenced: only the local users its `dids` map. Attacks, each from a raw SIP socket on a loopback
address of its own, each asserting what must NOT happen:
  - hairpin toll fraud: from the trunk's source, a number that a route (to a PSTN sink) or the
    trunk itself would take is 404, and neither sink gets anything;
  - from the trunk's source, a registered local user who is not a DID is 404 and hears nothing,
    however the request names him (R-URI, To, a direct URI, a preloaded Route); the DID in the
    R-URI with that user in To rings the mapped user (the path works: the fence is not a wall);
  - MESSAGE, SUBSCRIBE, REFER, INFO, OPTIONS and REGISTER from the trunk's source reach no one but DID users
    (a REGISTER is the registrar's: challenged like anyone's, no binding made);
  - a stranger forging the trunk's identity (From at the trunk's host, P-Asserted-Identity, a Via
    with the trunk's address) is a stranger: no DID, no route, no trunk;
  - registration-flow trust (UDP: the registrar's host, any port): the host we registered with is
    trusted for its DIDs and fenced like a source; another host is not trusted.
Sinks: the route's target on 127.0.0.4 and the trunk's address on 127.0.0.3 (the trunk's source
too) record everything rtcgate sends them. Every socket and process is closed here."""
import re
import secrets
import socket
import threading
import time

from sinks import Sink
from siptest import (Connection, Gateway, Message, UserAgent, check, parse_args, run_tests,
                     tests_in)

args = parse_args()
TRUNK_HOST = "127.0.0.3"       # the carrier: its source address and its address
ROUTE_HOST = "127.0.0.4"       # a PSTN gateway a route leads to
REGISTRAR_HOST = "127.0.0.5"   # a carrier we register with (no sources: trusted by that flow)
STRANGER_HOST = "127.0.0.6"    # anyone else
DID = "+15551230000"           # the carrier's number for alice
REG_DID = "+15559990000"       # the registered carrier's number for bob
ROUTED = "+4420794600"         # a number the route takes
HAIRPIN = "0044207946001"      # a number the route to the trunk takes

trunk_sink = Sink(TRUNK_HOST)
route_sink = Sink(ROUTE_HOST)


class Registrar:
    """The registered carrier's registrar: answers every REGISTER 200, its Contact granted for
    120 s, and records them."""

    def __init__(self, host):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        self.registers = []
        self.closed = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.closed:
            try:
                data, peer = self.sock.recvfrom(65536)
            except OSError:
                return
            request = Message(data.decode(errors="replace"))
            if request.is_response or request.method != "REGISTER":
                continue
            self.registers.append(request)
            to = request.get("To")
            lines = ["SIP/2.0 200 OK", *[f"Via: {v}" for v in request.all("Via")],
                     f"From: {request.get('From')}",
                     f"To: {to}" + ("" if ";tag=" in to else ";tag=reg1"),
                     f"Call-ID: {request.get('Call-ID')}", f"CSeq: {request.get('CSeq')}",
                     f"Contact: {request.get('Contact')};expires=120", "Content-Length: 0"]
            self.sock.sendto(("\r\n".join(lines) + "\r\n\r\n").encode(), peer)

    def close(self):
        self.closed = True
        self.sock.close()


registrar = Registrar(REGISTRAR_HOST)

CONFIG = f"""trunks:
  - name: carrier
    address: sip:{trunk_sink.uri_host}
    inbound:
      sources: [{TRUNK_HOST}/32]
      dids: {{ "{DID}": alice }}
  - name: registered
    address: sip:{REGISTRAR_HOST}:{registrar.port}
    username: acme
    password: acme-{secrets.token_hex(4)}
    register: {{ expires: 120 }}
    inbound:
      dids: {{ "{REG_DID}": bob }}
routes:
  - {{ match: '^\\+44[0-9]+$', to: [sip:{route_sink.uri_host}] }}
  - {{ match: '^00[0-9]+$', trunk: carrier }}
"""

gw = Gateway(args.binary, users=(("alice", "alicepw"), ("bob", "bobpw"), ("carol", "carolpw")),
             transports=("udp",), extra_yaml=CONFIG).start()
GW = f"127.0.0.1:{gw.ports['udp']}"


def registered(user):
    ua = UserAgent(Connection("udp", gw.ports["udp"]), user, password=f"{user}pw")
    check(ua.register().status == 200, f"{user} could not register")
    return ua


alice, bob, carol = registered("alice"), registered("bob"), registered("carol")
USERS = {"alice": alice, "bob": bob, "carol": carol}
SINKS = (trunk_sink, route_sink)


def caller(host, user="+442079460999", domain=None):
    """A SIP peer on `host` (any port), its From at `domain` (the trunk's host by default)."""
    return UserAgent(Connection("udp", gw.ports["udp"], local=(host, 0)), user,
                     domain=domain or TRUNK_HOST)


def drain():
    """Forgets whatever earlier tests left at the users and sinks (ACKs, retransmissions)."""
    for ua in USERS.values():
        while ua.c.recv(0.05) is not None:
            pass
    for sink in SINKS:
        sink.clear()


def send(peer, method, ruri, to=None, headers=(), answer_as=None):
    """Sends a request from `peer` and returns its final response; `answer_as` (a user's UA)
    answers the forwarded request if it arrives: 486 to an INVITE, 200 to anything else."""
    to = to or f"<{ruri}>"
    extra = [f"Contact: <sip:{peer.user}@{peer.c.local[0]}:{peer.c.local[1]}>", *headers]
    if method == "SUBSCRIBE":
        extra += ["Event: presence", "Expires: 60"]
    if method == "REFER":
        extra.append(f"Refer-To: <sip:{ROUTED}@{route_sink.uri_host}>")
    body = "hello" if method == "MESSAGE" else ""
    if body:
        extra.append("Content-Type: text/plain")
    peer.c.send(peer.request(method, ruri, extra, body=body, to=to))
    deadline = time.time() + 6
    while time.time() < deadline:
        if answer_as is not None:
            arrived = answer_as.c.recv(0.05)
            if arrived is not None and not arrived.is_response and arrived.method == method:
                answer_as.respond(arrived, 486 if method == "INVITE" else 200,
                                  "Busy Here" if method == "INVITE" else "OK", to_tag="u1")
        message = peer.c.recv(0.05)
        if message is not None and message.is_response and message.status >= 200:
            if message.status >= 300 and method == "INVITE":
                peer.c.send(ack_for(message, ruri))
            return message
    # A request forwarded to a sink is never answered: say where it went.
    heard = "; ".join(f"{sink.uri_host}: {sink.describe()}" for sink in SINKS)
    raise AssertionError(f"no final response to {method} {ruri}; the sinks got {heard[:600]}")


def ack_for(final, request_uri):
    """The ACK of a failure to an INVITE (the same branch, so rtcgate stops retransmitting)."""
    lines = [f"ACK {request_uri} SIP/2.0", f"Via: {final.get('Via')}",
             "Max-Forwards: 70", f"From: {final.get('From')}", f"To: {final.get('To')}",
             f"Call-ID: {final.get('Call-ID')}", f"CSeq: {final.get('CSeq').split()[0]} ACK",
             "Content-Length: 0"]
    return "\r\n".join(lines) + "\r\n\r\n"


def nobody_else_hears(reached=(), seconds=1.0):
    """After `seconds`: the users not in `reached` got nothing, nor did any sink."""
    time.sleep(seconds)
    for name, ua in USERS.items():
        if name in reached:
            continue
        got = ua.c.recv(0.05)
        check(got is None, f"{name} (no DID of the sender's) got {got!r}:\n{got and got.raw}")
    for sink in SINKS:
        check(not sink.received(), f"sink {sink.uri_host} got {sink.describe()}")


def expect(response, status, what):
    check(response.status == status,
          f"{what}: {response.status} {response.first}, wanted {status}\n{gw.log()[-2000:]}")


def ruri(user, host=GW):
    return f"sip:{user}@{host}"


# ------------------------------------------------------------------ from the trunk's source

def test_a_did_in_the_request_uri_rings_the_mapped_user_even_with_another_user_in_to():
    drain()
    response = send(caller(TRUNK_HOST), "INVITE", ruri(DID), to="<sip:carol@localhost>",
                    answer_as=alice)
    expect(response, 486, "the DID's call (alice answers 486)")
    nobody_else_hears(reached=("alice",))


def test_hairpin_through_a_route_is_404_and_the_route_target_hears_nothing():
    drain()
    for user in (ROUTED, f"{ROUTED}1"):
        for host in (GW, "localhost", route_sink.uri_host):
            response = send(caller(TRUNK_HOST), "INVITE", ruri(user, host))
            expect(response, 404, f"trunk's INVITE to routed {user}@{host}")
    nobody_else_hears()


def test_hairpin_back_out_through_the_trunk_is_404():
    drain()
    response = send(caller(TRUNK_HOST), "INVITE", ruri(HAIRPIN))
    expect(response, 404, f"trunk's INVITE to {HAIRPIN} (a route to the trunk)")
    nobody_else_hears()


def test_a_registered_user_who_is_not_a_did_is_404_and_hears_nothing():
    drain()
    peer = caller(TRUNK_HOST)
    for request_uri in (ruri("carol"), "sip:carol@localhost", ruri("carol", carol.contact_host)):
        expect(send(peer, "INVITE", request_uri), 404, f"trunk's INVITE to {request_uri}")
    # Named in To only, with a number that is no DID in the Request-URI.
    expect(send(peer, "INVITE", ruri("+15550000000"), to="<sip:carol@localhost>"), 404,
           "trunk's INVITE to a non-DID with carol in To")
    nobody_else_hears()


def test_a_preloaded_route_or_direct_uri_does_not_lead_past_the_dids():
    drain()
    peer = caller(TRUNK_HOST)
    # The DID's user at the route target's address: the DID is what counts, alice is rung.
    expect(send(peer, "INVITE", ruri(DID, route_sink.uri_host), answer_as=alice), 486,
           "the DID at a foreign host")
    nobody_else_hears(reached=("alice",))
    drain()
    # A Route set toward the PSTN sink: not followed.
    route = [f"Route: <sip:{route_sink.uri_host};lr>"]
    response = send(peer, "INVITE", ruri(DID), headers=route, answer_as=alice)
    check(response.status in (486, 403), f"the DID with a preloaded Route: {response.status}")
    nobody_else_hears(reached=("alice",))
    drain()
    expect(send(peer, "INVITE", ruri(ROUTED), headers=route), 404, "a route number with a Route")
    nobody_else_hears()


def test_non_invite_requests_reach_only_did_users():
    drain()
    peer = caller(TRUNK_HOST)
    for method in ("MESSAGE", "SUBSCRIBE", "REFER", "INFO"):
        for user in ("carol", "bob", ROUTED, HAIRPIN):
            expect(send(peer, method, ruri(user)), 404, f"trunk's {method} to {user}")
    # OPTIONS is answered by rtcgate itself, whoever it names.
    for user in ("carol", ROUTED):
        expect(send(peer, "OPTIONS", ruri(user)), 200, f"trunk's OPTIONS to {user}")
    nobody_else_hears()
    expect(send(peer, "MESSAGE", ruri(DID), answer_as=alice), 200, "trunk's MESSAGE to its DID")
    nobody_else_hears(reached=("alice",))


def test_a_register_from_the_trunk_is_challenged_and_binds_nothing():
    drain()
    for user in ("carol", DID):
        peer = caller(TRUNK_HOST, user=user, domain="localhost")
        contact = f"Contact: <sip:{user}@{route_sink.uri_host}>"
        response = peer.transact(peer.request("REGISTER", "sip:localhost",
                                              [contact, "Expires: 300"]))
        expect(response, 401, f"trunk's REGISTER for {user}")
    status, body = gw.http("GET", "/api/v1/registrations")
    check(status == 200, f"GET /api/v1/registrations: {status}")
    check(route_sink.uri_host not in body, f"a binding to the sink was made: {body}")
    nobody_else_hears()


# ------------------------------------------------------------------ forging the trunk

def test_a_stranger_forging_the_trunks_identity_is_a_stranger():
    drain()
    forger = caller(STRANGER_HOST)  # From: <sip:+44...@127.0.0.3>, the trunk's host
    # Below its own Via, one saying the request came through the trunk's address.
    trunk_via = f"Via: SIP/2.0/UDP {trunk_sink.uri_host};branch=z9hG4bK{secrets.token_hex(6)}"
    forged = [trunk_via, f"P-Asserted-Identity: <sip:+442079460999@{TRUNK_HOST}>",
              f"Remote-Party-ID: <sip:+442079460999@{TRUNK_HOST}>;screen=yes;party=calling"]
    for user in (DID, ROUTED, HAIRPIN):
        # A stranger gets 480 for any number at our address (no DID, no route, no enumeration);
        # the trunk's fence would have said 404.
        expect(send(forger, "INVITE", ruri(user), headers=forged), 480,
               f"forged trunk INVITE to {user}")
    expect(send(forger, "MESSAGE", ruri(DID), headers=forged), 480, "forged trunk MESSAGE")
    nobody_else_hears()
    # Claiming to be a local user as well: challenged.
    claimer = caller(STRANGER_HOST, user="alice", domain="localhost")
    expect(send(claimer, "INVITE", ruri(DID), headers=forged), 407, "a forger claiming alice")
    nobody_else_hears()


# ------------------------------------------------------------------ registration-flow trust

def wait_registered():
    deadline = time.time() + 10
    while time.time() < deadline:
        if registrar.registers and re.search(r'"state":\s*"registered"',
                                             gw.http("GET", "/api/v1/trunks")[1]):
            return
        time.sleep(0.1)
    raise AssertionError(f"the trunk never registered:\n{gw.log()[-3000:]}")


def test_the_registrars_host_is_trusted_from_any_port_and_fenced():
    wait_registered()
    drain()
    peer = caller(REGISTRAR_HOST)  # not the registrar's port
    check(peer.c.local[1] != registrar.port, "same port")
    expect(send(peer, "INVITE", ruri(REG_DID), answer_as=bob), 486, "the registrar host's DID")
    nobody_else_hears(reached=("bob",))
    drain()
    # Trusted as that trunk: its fence, not the stranger's 480.
    for user in (ROUTED, HAIRPIN, "carol", DID):
        expect(send(peer, "INVITE", ruri(user)), 404, f"registrar host's INVITE to {user}")
    nobody_else_hears()


def test_another_host_is_not_trusted_by_the_registration():
    drain()
    stranger = caller(STRANGER_HOST, domain=REGISTRAR_HOST)
    for user in (REG_DID, ROUTED):
        expect(send(stranger, "INVITE", ruri(user)), 480, f"stranger's INVITE to {user}")
    nobody_else_hears()


try:
    run_tests(tests_in(dict(globals())), [gw])
finally:
    registrar.close()
    for sink in SINKS:
        sink.close()
