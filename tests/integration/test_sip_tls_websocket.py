"""TLS, WS and WSS against the real binary: clients register with SHA-256 digest (browsers use
.invalid Contact hosts), are called by a sipp UAC over UDP through their own connection, and call
out; a closed WebSocket takes its registration with it."""
import re
import socket
import time

from siptest import (SDP, Callee, Connection, Gateway, UserAgent, check, free_port, parse_args,
                     place_call, run_tests, sipp, sipp_logs, tests_in)

args = parse_args()
gw = Gateway(args.binary, users=(("alice", "alicepw"), ("bob", "bobpw"),
                                 ("carol", "carolpw"))).start()


def registered(transport, user="bob", password="bobpw", algorithm="SHA-256"):
    ua = UserAgent(Connection(transport, gw.ports[transport]), user, password=password)
    response = ua.register(algorithm_pick=algorithm)
    check(response.status == 200, f"REGISTER over {transport}: {response.status}")
    contacts = response.all("Contact")
    check(any(ua.contact_host in c for c in contacts), f"200 lacks our contact: {contacts}")
    return ua


def sipp_calls(callee_ua, callee="bob"):
    answering = Callee(callee_ua)
    rc, logs = sipp("uac_call.xml", gw.ports["udp"], free_port(),
                    ["-s", callee, "-au", "alice", "-ap", "alicepw"])
    answering.finish(gw.log()[-3000:])
    check(rc == 0, f"sipp UAC failed:\n{sipp_logs(logs)}\n{gw.log()[-4000:]}")


def test_tls_register_and_receive_call():
    bob = registered("tls")
    sipp_calls(bob)
    bob.c.close()


def test_ws_invalid_contact_receives_call():
    bob = registered("ws")
    sipp_calls(bob)
    bob.c.close()


def test_wss_invalid_contact_receives_call():
    bob = registered("wss", algorithm="MD5")
    sipp_calls(bob)
    bob.c.close()


def test_wss_caller_reaches_sipp_callee():
    port = free_port()
    rc, logs = sipp("register.xml", gw.ports["udp"], port, ["-s", "bob", "-au", "bob", "-ap",
                                                             "bobpw"])
    check(rc == 0, f"sipp REGISTER:\n{sipp_logs(logs)}")
    server = sipp("uas_answer.xml", gw.ports["udp"], port, ["-s", "bob"], background=True)
    alice = registered("wss", user="alice", password="alicepw")
    final, dialog = place_call(alice, "bob")
    check(final.status == 200, f"call from wss got {final.status}")
    server.wait(15)
    check(server.returncode == 0, f"sipp UAS failed: {server.stderr.read().decode()[-2000:]}")
    alice.c.close()


def test_tls_caller_to_ws_callee():
    bob = registered("ws")
    alice = registered("tls", user="alice", password="alicepw")
    answering = Callee(bob)
    final, _ = place_call(alice, "bob")
    answering.finish()
    check(final.status == 200, f"TLS -> WS call got {final.status}")
    bob.c.close()
    alice.c.close()


def test_closed_websocket_drops_its_registration():
    bob = registered("ws", user="carol", password="carolpw")
    bob.c.close()
    alice = UserAgent(Connection("udp", gw.ports["udp"]), "alice", password="alicepw")
    time.sleep(0.3)
    final, _ = place_call(alice, "carol")
    check(final.status == 480, f"call to a user whose websocket closed: {final.status}")


def test_websocket_without_sip_subprotocol_refused():
    sock = socket.create_connection(("127.0.0.1", gw.ports["ws"]), timeout=3)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    reply = sock.recv(4096)
    sock.close()
    check(not reply.startswith(b"HTTP/1.1 101"), f"upgrade without 'sip' accepted: {reply[:80]!r}")


def offered_algorithms(transport):
    ua = UserAgent(Connection(transport, gw.ports[transport]), "bob")
    response = ua.transact(ua.request("REGISTER", "sip:localhost", ["Expires: 60"]))
    ua.c.close()
    check(response.status == 401, f"REGISTER over {transport}: {response.status}")
    return [re.search(r"algorithm=([A-Z0-9-]+)", c).group(1)
            for c in response.all("WWW-Authenticate")]


def test_challenge_order_suits_each_transports_clients():
    """Phones and sipp answer the first challenge, JsSIP and SIP.js the last."""
    for transport, expected in (("tls", ["MD5", "SHA-256"]), ("ws", ["SHA-256", "MD5"]),
                                ("wss", ["SHA-256", "MD5"])):
        offered = offered_algorithms(transport)
        check(offered == expected, f"{transport} offers {offered}, expected {expected}")


def test_back_to_back_responses_leave_together_on_fresh_tls():
    """The 407 written right behind the 100 Trying must not wait for the client's delayed ACK of
    the 100 (Nagle's algorithm, about 40 ms): TCP_NODELAY on every stream socket."""
    gaps = []
    for _ in range(5):
        ua = UserAgent(Connection("tls", gw.ports["tls"]), "alice")
        ua.c.send(ua.request("INVITE", "sip:bob@localhost", [f"Contact: {ua.contact()}"],
                             body=SDP))
        arrived = {}
        while 407 not in arrived:
            message = ua.c.recv(3)
            check(message is not None, f"no 407 over TLS: {arrived}")
            arrived.setdefault(message.status, time.monotonic())
        ua.c.close()
        check(100 in arrived, "no 100 Trying before the 407")
        gaps.append(arrived[407] - arrived[100])
    gaps.sort()
    check(gaps[len(gaps) // 2] < 0.020, f"100 -> 407 gaps (s) on fresh TLS connections: {gaps}")


run_tests(tests_in(dict(globals())), [gw])
