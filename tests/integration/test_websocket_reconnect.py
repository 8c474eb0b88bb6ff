"""A call survives its browser's WebSocket reconnect (calls.reconnect_grace), against the real
binary: alice registers over WS as an RFC 5626 device (+sip.instance, reg-id), bob calls her
from UDP; her WebSocket closes mid-call. When she registers again on a new connection with the
same instance, the call moves there (bob's BYE reaches her over the new WebSocket); when she
does not come back within the grace, bob gets a BYE and the CDR says connection-closed.
tests/e2e/test_websocket_reconnect.py does the same with the demo phone in Chromium."""
import threading
import time
import uuid

from siptest import (Connection, Gateway, UserAgent, answer_incoming_call, check,
                     in_dialog_request, parse_args, place_call, run_tests, tests_in)

args = parse_args()
gw = Gateway(args.binary, transports=("udp", "ws")).start()
short = Gateway(args.binary, transports=("udp", "ws"),
                extra_yaml="calls: { reconnect_grace: 2 }\n").start()


class Browser:
    """alice as a browser: an .invalid Contact, +sip.instance and reg-id, kept across
    reconnects (what JsSIP does)."""

    def __init__(self, gateway):
        self.gateway = gateway
        self.instance = f"<urn:uuid:{uuid.uuid4()}>"
        self.ua = None
        self.contact_host = None

    def connect(self):
        ua = UserAgent(Connection("ws", self.gateway.ports["ws"]), "alice", password="alicepw")
        if self.contact_host:
            ua.contact_host = self.contact_host
        self.contact_host = ua.contact_host
        contact = ua.contact(";ob") + f';+sip.instance="{self.instance}";reg-id=1'
        response = ua.register(contact=contact, algorithm_pick="SHA-256",
                               extra=["Supported: path, outbound"])
        check(response.status == 200, f"REGISTER over ws: {response.status}")
        self.ua = ua
        return ua


def bob_calls(gateway, browser):
    """bob (UDP) calls alice, who answers over her WebSocket: bob's dialog."""
    bob = UserAgent(Connection("udp", gateway.ports["udp"]), "bob", password="bobpw")
    answered = []
    callee = threading.Thread(target=lambda: answered.append(answer_incoming_call(browser.ua)))
    callee.start()
    final, dialog = place_call(bob, "alice", hangup=False)
    callee.join(10)
    check(final.status == 200 and answered, f"call to alice: {final.status}")
    return bob, dialog


def no_bye_for(ua, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        message = ua.c.recv(deadline - time.time())
        if message is not None and not message.is_response:
            check(message.method != "BYE", "bob got a BYE while alice was reconnecting")






def test_call_moves_to_the_new_websocket():
    alice = Browser(gw)
    alice.connect()
    bob, dialog = bob_calls(gw, alice)
    alice.ua.c.close()
    no_bye_for(bob, 1.5)
    check(len(gw.calls()) == 1, "the call ended when alice's WebSocket closed")

    alice.connect()  # a new connection, the same device
    bye = in_dialog_request(bob, dialog, "BYE")
    bob.c.send(bye)
    received = alice.ua.wait_request("BYE", 5)
    alice.ua.respond(received, 200, "OK")
    response = bob.c.recv(5)
    check(response is not None and response.is_response and response.status == 200,
          f"bob's BYE over the new WebSocket: {response}")
    time.sleep(0.3)
    check(not gw.calls(), "the call is still listed after the BYE")
    cdr = gw.last_cdr()
    check(cdr["end_reason"] == "caller-bye", f"CDR: {cdr}")
    check(gw.metric("rtcgate_proxy_reconnects_resumed_total") == 1, "resumed not counted")
    alice.ua.c.close()


def test_call_ends_when_the_browser_does_not_come_back():
    alice = Browser(short)
    alice.connect()
    bob, _ = bob_calls(short, alice)
    alice.ua.c.close()
    started = time.time()
    bye = bob.wait_request("BYE", 8)
    waited = time.time() - started
    bob.respond(bye, 200, "OK")
    check(1.5 <= waited <= 5, f"BYE came {waited:.1f} s after the close, grace is 2 s")
    time.sleep(0.3)
    check(not short.calls(), "the call is still listed after the grace")
    cdr = short.last_cdr()
    check(cdr["end_reason"] == "connection-closed", f"CDR: {cdr}")
    check(short.metric("rtcgate_proxy_reconnects_expired_total") == 1, "expiry not counted")


run_tests(tests_in(dict(globals())), [gw, short])
