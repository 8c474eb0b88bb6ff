"""Attack: one request that takes the process down. A Request-URI with a 30,000-digit user part,
sent by a stranger without credentials to a gateway with a configured route, over UDP and over
TCP: the route lookup must not overflow the stack (std::regex recurses per character), the
request must be refused for its length, and the gateway must go on answering. Oversized URI parts
and headers, and floods of headers, Via and Route entries, are refused and counted."""
import re
import secrets
import socket
import time

from sinks import Sink
from siptest import Connection, Gateway, check, parse_args, run_tests, tests_in

args = parse_args()
trunk = Sink("127.0.0.2")
ROUTES = (f"routes:\n  - {{ match: '^[0-9]+$', to: [sip:{trunk.uri_host}] }}\n"
          f"  - {{ match: '^(a|aa)+$', to: [sip:{trunk.uri_host}] }}\n")
gw = Gateway(args.binary, transports=("udp", "tcp"), auth=True, extra_yaml=ROUTES).start()
open_gw = Gateway(args.binary, transports=("udp", "tcp"), auth=False, extra_yaml=ROUTES).start()


def request(method, uri, transport, local, extra="", from_uri="sip:mallory@attacker.test"):
    host, port = local
    return (f"{method} {uri} SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport.upper()} {host}:{port};branch=z9hG4bK{secrets.token_hex(8)};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <{from_uri}>;tag={secrets.token_hex(4)}\r\n"
            f"To: <{uri}>\r\nCall-ID: {secrets.token_hex(8)}\r\nCSeq: 1 {method}\r\n"
            f"{extra}Content-Length: 0\r\n\r\n")


def answers_options(gateway, transport="udp"):
    connection = Connection(transport, gateway.ports[transport])
    try:
        started = time.time()
        connection.send(request("OPTIONS", f"sip:127.0.0.1:{gateway.ports[transport]}", transport,
                                connection.local))
        while time.time() - started < 2:
            reply = connection.recv(2)
            if reply is None:
                return False
            if reply.is_response and reply.status == 200:
                return True
        return False
    finally:
        connection.close()


def final_reply(gateway, transport, text, timeout=3):
    connection = Connection(transport, gateway.ports[transport])
    try:
        connection.send(text.replace("LOCAL", f"{connection.local[0]}:{connection.local[1]}"))
        deadline = time.time() + timeout
        while time.time() < deadline:
            reply = connection.recv(deadline - time.time())
            if reply is None:
                return None
            if reply.is_response and reply.status >= 200:
                return reply
        return None
    finally:
        connection.close()


def attack(gateway, transport, uri, method="INVITE", extra=""):
    text = request(method, uri, transport, ("LOCAL", 0), extra).replace("LOCAL:0", "LOCAL")
    reply = final_reply(gateway, transport, text)
    check(gateway.process.proc.poll() is None,
          f"rtcgate died ({transport}, {uri[:40]}...):\n{gateway.log()[-2000:]}")
    check(answers_options(gateway, "udp"), f"rtcgate stopped answering after {uri[:40]}...")
    return reply


def metric(gateway, name):
    status, body = gateway.http("GET", "/metrics")
    check(status == 200, f"/metrics answered {status}")
    total = 0
    for line in body.splitlines():
        if line.startswith(name):
            total += float(line.rsplit(" ", 1)[1])
    return total


LONG_DIGITS = "9" * 30000


def test_stranger_30000_digit_user_udp():
    reply = attack(gw, "udp", f"sip:{LONG_DIGITS}@localhost")
    check(reply is not None and reply.status in (400, 414), f"30,000 digits answered {reply!r}")


def test_stranger_30000_digit_user_tcp():
    reply = attack(gw, "tcp", f"sip:{LONG_DIGITS}@localhost")
    check(reply is not None and reply.status in (400, 414), f"30,000 digits answered {reply!r}")


def test_open_gateway_30000_digit_user_udp_and_tcp():
    for transport in ("udp", "tcp"):
        attack(open_gw, transport, f"sip:{LONG_DIGITS}@203.0.113.9", method="OPTIONS")


def test_catastrophic_backtracking_pattern():
    # '^(a|aa)+$' against "aaaa...b" is exponential for a backtracking engine.
    attack(open_gw, "udp", f"sip:{'a' * 200}b@localhost", method="OPTIONS")


def test_oversized_parts_are_refused_and_counted():
    before = metric(gw, "rtcgate_sip_limit_refused_total")
    cases = [
        ("user part", f"sip:{'1' * 300}@localhost", "", (414,)),
        ("host", f"sip:bob@{'h' * 300}.test", "", (414,)),
        ("header value", "sip:bob@localhost", f"Subject: {'x' * 9000}\r\n", (400,)),
        ("header count", "sip:bob@localhost", "X-A: 1\r\n" * 300, (400,)),
        ("Via entries", "sip:bob@localhost",
         "".join(f"Via: SIP/2.0/UDP 192.0.2.1:{5000 + i};branch=z9hG4bK{i}\r\n" for i in range(80)),
         (400,)),
        ("Route entries", "sip:bob@localhost",
         "Route: " + ", ".join(f"<sip:192.0.2.{i % 250}:5060;lr>" for i in range(80)) + "\r\n",
         (400,)),
    ]
    for what, uri, extra, statuses in cases:
        text = request("OPTIONS", uri, "udp", ("LOCAL", 0), extra).replace("LOCAL:0", "LOCAL")
        reply = final_reply(gw, "udp", text)
        check(reply is not None and reply.status in statuses,
              f"an oversized {what} was answered {reply!r}, expected {statuses}")
        reason = reply.first.split(" ", 2)[2] if reply else ""
        check(re.search(r"[a-z]", reason) and len(reason) > 10,
              f"the refusal of an oversized {what} says no reason: {reason!r}")
    after = metric(gw, "rtcgate_sip_limit_refused_total")
    check(after - before >= len(cases), f"refusals counted {after - before}, sent {len(cases)}")
    check(answers_options(gw), "not answering after the oversized requests")
    check(not trunk.received(), f"the trunk got something: {trunk.describe()}")


run_tests(tests_in(globals()), gateways=[gw, open_gw])
