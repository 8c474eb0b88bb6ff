"""log.format json against hostile input: a WebSocket upgrade whose subprotocol and a Call-ID
carry quotes, backslashes and control bytes never break a line's JSON or add a key;
lines carry node (node.id) and, where the gateway works for a call, its call_id."""
import json
import secrets
import socket

from siptest import (Connection, Gateway, UserAgent, check, digest_response, parse_args,
                     run_tests, tests_in)

args = parse_args()
gw = Gateway(args.binary, transports=("udp", "ws"), log_format="json").start()
KEYS = {"time", "level", "node", "call_id", "msg"}
FORGED = 'sip", "level": "forged", "node": "forged'


def upgrade(protocol):
    """A WebSocket upgrade offering `protocol`; the status line of the answer."""
    sock = socket.create_connection(("127.0.0.1", gw.ports["ws"]), timeout=3)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                 b"Sec-WebSocket-Protocol: " + protocol.encode() + b"\r\n\r\n")
    reply = sock.recv(4096)
    sock.close()
    return reply.split(b"\r\n", 1)[0]


def no_duplicates(pairs):
    keys = [key for key, _ in pairs]
    check(len(keys) == len(set(keys)), f"a key appears twice: {keys}")
    return dict(pairs)


def log_lines():
    """Every line the gateway wrote, parsed; fails on any that is not one JSON object."""
    with open(gw.process.log_path, "rb") as f:
        raw = f.read()
    lines = []
    for number, line in enumerate(raw.decode("utf-8").splitlines(), 1):
        try:
            entry = json.loads(line, object_pairs_hook=no_duplicates)
        except ValueError as e:
            check(False, f"log line {number} is not JSON ({e}): {line!r}")
        check(isinstance(entry, dict) and set(entry) <= KEYS and
              {"time", "level", "node", "msg"} <= set(entry),
              f"log line {number} has keys {sorted(entry)}: {line!r}")
        check(entry["level"] != "forged" and entry["node"] == "test",
              f"log line {number} was forged: {line!r}")
        lines.append(entry)
    return lines


def test_hostile_subprotocol_stays_in_msg():
    status = upgrade(FORGED)
    check(not status.startswith(b"HTTP/1.1 101"), f"upgrade accepted: {status!r}")
    upgrade("sip\\\", \x01\"call_id\": \"x\\u0000")
    refusals = [e for e in log_lines() if "Sec-WebSocket-Protocol" in e["msg"]]
    check(any(FORGED in e["msg"] for e in refusals),
          f"the refusal does not quote the subprotocol verbatim: {refusals}")
    check(all("call_id" not in e for e in refusals), f"a call_id was forged: {refusals}")


def test_hostile_call_id_stays_in_its_field():
    # A Call-ID word may hold quotes, backslashes and braces (RFC 3261 25.1), not commas.
    call_id = secrets.token_hex(4) + '"\\}{"level":"forged"}'
    ua = UserAgent(Connection("udp", gw.ports["udp"]), "mallory", password="wrong")
    ua.call_id = call_id
    challenge = ua.transact(ua.request("REGISTER", "sip:localhost", ["Expires: 60"]))
    check(challenge.status == 401, f"no challenge: {challenge.status}")
    auth = digest_response(challenge.all("WWW-Authenticate")[0], "REGISTER", "sip:localhost",
                           ua.user, "wrong")
    ua.transact(ua.request("REGISTER", "sip:localhost",
                           ["Expires: 60", f"Authorization: {auth}"]))
    failures = [e for e in log_lines() if e["msg"].startswith("auth failed")]
    check(failures, f"no auth failure logged:\n{gw.log()[-2000:]}")
    check(all(e.get("call_id") == call_id for e in failures),
          f"the auth failure lines do not carry the call's Call-ID: {failures}")
    check(any(f"call-id={call_id}" in e["msg"] for e in failures), f"Call-ID mangled: {failures}")


run_tests(tests_in(dict(globals())), [gw])
