"""No leaks over time (issue 14, item 5): a batch of calls that end every wrong way goes through the
real gateway -- the INVITE answered 404, 486, 500 and 603, refused by the relay (488), sent to a
contact that refuses the connection (a transport error), cancelled with the CANCEL answered or
ignored by the callee, and answered calls whose BYE gets 481, 404, 500 or no response at all --
and afterwards /metrics shows no live call, SIP transaction or relay session, and GET
/api/v1/calls is empty. (The transaction timers of RFC 3261 run in real time: a BYE nobody answers
takes timer F then timer J, 2 x 32 s over UDP, before its transactions are gone.)"""
import json
import re
import secrets
import threading
import time

from siptest import (SDP, Connection, Gateway, UserAgent, _ack_for_failure, _final, check,
                     free_port, in_dialog_request, parse_args, run_tests, tests_in)

args = parse_args()
gw = Gateway(args.binary, transports=("udp", "tcp"), auth=False,
             users=(("alice", "alicepw"), ("bob", "bobpw"), ("carol", "carolpw")),
             media_extra=", anchor: always")
gw.start()


def leftovers():
    status, calls = gw.http("GET", "/api/v1/calls")
    return {"calls_live": gw.metric("rtcgate_calls_live", ""),
            "server_transactions": gw.metric("rtcgate_transactions_live", 'side="server"'),
            "client_transactions": gw.metric("rtcgate_transactions_live", 'side="client"'),
            "relay_sessions": gw.metric("rtcgate_relay_sessions", ""),
            "api_calls": len(json.loads(calls)["calls"]) if status == 200 else -1}


def ua(user):
    return UserAgent(Connection("udp", gw.ports["udp"]), user)


def registered(user):
    agent = ua(user)
    response = agent.register()
    check(response.status == 200, f"{user}'s REGISTER: {response.status}")
    return agent


class Callee(threading.Thread):
    """Bob's side of one call: `behaviour` gets (agent, invite, to_tag) once the INVITE arrived."""

    def __init__(self, agent, behaviour):
        super().__init__(daemon=True)
        self.agent, self.behaviour, self.errors = agent, behaviour, []
        self.start()

    def run(self):
        try:
            invite = self.agent.wait_request("INVITE", 8)
            self.behaviour(self.agent, invite, secrets.token_hex(4))
        except Exception as e:  # noqa: BLE001 - reported by done()
            self.errors.append(e)

    def done(self, what):
        self.join(40)
        check(not self.is_alive() and not self.errors, f"{what}: callee {self.errors}")


def invite(caller, to="bob", body=SDP):
    call_id = secrets.token_hex(8)
    uri = f"sip:{to}@localhost"
    text = caller.request("INVITE", uri, [f"Contact: {caller.contact()}",
                                          "Content-Type: application/sdp"],
                          body=body, call_id=call_id, to=f"<{uri}>")
    caller.c.send(text)
    return text, call_id


def fails_with(caller, status, text, call_id, timeout=10):
    final = _final(caller, call_id, timeout=timeout)
    check(final.status == status, f"INVITE {call_id}: {final.status}, expected {status}")
    caller.c.send(_ack_for_failure(caller, text, final))


def test_calls_that_end_every_wrong_way_leave_nothing_behind():
    alice, bob = ua("alice"), registered("bob")
    before = leftovers()
    check(before["calls_live"] == 0, f"before: {before}")

    # Failure responses to the INVITE.
    for status in (404, 486, 500, 603):
        def ring_then_fail(a, inv, tag, status=status):
            a.respond(inv, 180, "Ringing", to_tag=tag)
            a.respond(inv, status, "Failure", to_tag=tag)
            a.wait_request("ACK", 5)
        callee = Callee(bob, ring_then_fail)
        text, call_id = invite(alice)
        fails_with(alice, status, text, call_id)
        callee.done(f"INVITE answered {status}")

    # The relay refuses the offer: 488, and bob never sees the INVITE.
    text, call_id = invite(alice, body="v=0\r\nm=nonsense\r\n")
    fails_with(alice, 488, text, call_id)

    # carol registered over TCP and left; her contact refuses connections: the new connection
    # the gateway opens toward it fails (a transport error on the branch).
    closed = free_port()
    carol = UserAgent(Connection("tcp", gw.ports["tcp"]), "carol")
    response = carol.register(contact=f"<sip:carol@127.0.0.1:{closed};transport=tcp>")
    check(response.status == 200, f"carol's REGISTER: {response.status}")
    carol.c.close()
    text, call_id = invite(alice, to="carol")
    # The refused connect fails the branch: at once where the transports report it to the
    # transactions (main since e5f4b28), else at timer B, 32 s later.
    final = _final(alice, call_id, timeout=40)
    check(final.status >= 400, f"INVITE to a refusing contact: {final.status}")
    alice.c.send(_ack_for_failure(alice, text, final))

    # CANCEL, answered by bob with 200 and 487; then a CANCEL bob ignores.
    for answers in (True, False):
        def ring_then_cancel(a, inv, tag, answers=answers):
            a.respond(inv, 180, "Ringing", to_tag=tag)
            cancel = a.wait_request("CANCEL", 5)
            if answers:
                a.respond(cancel, 200, "OK", to_tag=tag)
                a.respond(inv, 487, "Request Terminated", to_tag=tag)
        callee = Callee(bob, ring_then_cancel)
        text, call_id = invite(alice)
        time.sleep(0.3)
        request = re.sub(r"^INVITE", "CANCEL", text.split("\r\n\r\n")[0])
        request = re.sub(r"CSeq: (\d+) INVITE", r"CSeq: \1 CANCEL", request)
        request = re.sub(r"Content-Type: [^\r]*\r\n", "", request)
        request = re.sub(r"Content-Length: \d+", "Content-Length: 0", request) + "\r\n\r\n"
        alice.c.send(request)
        callee.done(f"CANCEL ({'answered' if answers else 'ignored'})")
        # Ignored, the branch gives up 64*T1 after the CANCEL (RFC 3261 9.1) with a 408.
        fails_with(alice, 487 if answers else 408, text, call_id, timeout=10 if answers else 40)

    # Answered calls whose BYE gets 481, 404, 500, or nothing.
    for status in (481, 404, 500, None):
        def answer_then_bye(a, inv, tag, status=status):
            a.respond(inv, 200, "OK", body=SDP, to_tag=tag,
                      extra=["Content-Type: application/sdp"])
            a.wait_request("ACK", 5)
            bye = a.wait_request("BYE", 5)
            if status:
                a.respond(bye, status, "Whatever")
        callee = Callee(bob, answer_then_bye)
        text, call_id = invite(alice)
        final = _final(alice, call_id)
        check(final.status == 200, f"call {call_id}: {final.status}")
        routes = list(reversed(final.all("Record-Route")))
        target = re.search(r"<([^>]+)>", final.get("Contact")).group(1)
        dialog = {"call_id": call_id, "to": final.get("To"), "routes": routes, "target": target}
        alice.c.send(in_dialog_request(alice, dialog, "ACK", alice.cseq))
        alice.c.send(in_dialog_request(alice, dialog, "BYE"))
        callee.done(f"BYE answered {status}")
        _, calls = gw.http("GET", "/api/v1/calls")
        check(all(c["call_id"] != call_id for c in json.loads(calls)["calls"]),
              f"after a BYE answered {status}: {calls}")

    # The timers of the transactions run out (timers B, F, H, J: 32 s each over UDP).
    deadline = time.time() + 100
    left = leftovers()
    while time.time() < deadline and any(left.values()):
        time.sleep(1)
        left = leftovers()
    check(not any(left.values()), f"left behind after the batch: {left}\n{gw.log()[-3000:]}")
    print(f"nothing left {100 - (deadline - time.time()):.0f} s after the batch: {left}")


run_tests(tests_in(dict(globals())), [gw])
