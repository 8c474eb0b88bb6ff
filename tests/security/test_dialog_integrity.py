"""Dialog integrity (docs/security.md): BYE, re-INVITE, UPDATE, INFO, REFER and CANCEL act on a
call only when they match it by Call-ID and both tags and come over its own flow or with the
Record-Route token rtcgate issued for it. A stranger who knows a call's Call-ID (or even its
tags) gets 481 and changes nothing: the call stays up, neither end hears of it, no CDR."""
import json
import secrets
import threading
import time

from sinks import Sink, final_response, registered
from siptest import (SDP, Connection, Gateway, answer_incoming_call, check,
                     parse_args, place_call, run_tests, tests_in)

args = parse_args()
target = Sink("127.0.0.2")
gw = Gateway(args.binary, transports=("udp", "tcp")).start()
UDP = gw.ports["udp"]
US = f"127.0.0.1:{UDP}"


def calls():
    status, body = gw.http("GET", "/api/v1/calls")
    check(status == 200, f"GET /api/v1/calls: {status}")
    return json.loads(body)["calls"]


def cdr_lines():
    try:
        with open(f"{gw.dir}/data/cdr.jsonl") as f:
            return f.read().count("\n")
    except FileNotFoundError:
        return 0


def forged(method, uri, call_id, from_tag, to_tag, extra=(), via="127.0.0.1:9", cseq=100):
    lines = [f"{method} {uri} SIP/2.0",
             f"Via: SIP/2.0/UDP {via};branch=z9hG4bK{secrets.token_hex(6)};rport",
             "Max-Forwards: 70", f"From: <sip:x@localhost>;tag={from_tag}",
             f"To: <sip:y@localhost>" + (f";tag={to_tag}" if to_tag else ""),
             f"Call-ID: {call_id}", f"CSeq: {cseq} {method}", *extra, "Content-Length: 0"]
    return "\r\n".join(lines) + "\r\n\r\n"


def established_call():
    """alice calls bob (both on UDP); returns (alice, bob, dialog, invite seen by bob)."""
    bob = registered(gw, "bob")
    alice = registered(gw, "alice")
    seen = {}
    answerer = threading.Thread(target=lambda: seen.update(invite=answer_incoming_call(bob)))
    answerer.start()
    response, dialog = place_call(alice, "bob", hangup=False)
    answerer.join(10)
    check(response.status == 200 and dialog, f"the call was not answered: {response}")
    return alice, bob, dialog, seen["invite"]


def test_strangers_cannot_end_or_change_a_call():
    alice, bob, dialog, invite = established_call()
    call_id = dialog["call_id"]
    caller_tag = alice.tag
    callee_tag = invite.to_tag
    check(len(calls()) == 1, f"calls before the attack: {calls()}")
    cdrs = cdr_lines()
    attacker = Connection("udp", UDP)
    attempts = [
        # Call-ID known, tags guessed, a bare Route to us.
        ("BYE", "bogus-from", "bogus-to", [f"Route: <sip:{US};lr>"]),
        ("INVITE", "bogus-from", "bogus-to", [f"Route: <sip:{US};lr>"]),
        # Call-ID and both tags known, from somewhere else, without the call's token.
        ("BYE", caller_tag, callee_tag, [f"Route: <sip:{US};lr>"]),
        ("BYE", callee_tag, caller_tag, [f"Route: <sip:{US};lr>"]),
        ("UPDATE", caller_tag, callee_tag, [f"Route: <sip:{US};lr>"]),
        ("INFO", caller_tag, callee_tag, [f"Route: <sip:{US};lr>"]),
        ("REFER", caller_tag, callee_tag,
         [f"Route: <sip:{US};lr>", f"Refer-To: <sip:victim@{target.uri_host}>"]),
        ("BYE", caller_tag, callee_tag, []),
    ]
    for method, from_tag, to_tag, extra in attempts:
        attacker.send(forged(method, f"sip:bob@{target.uri_host}", call_id, from_tag, to_tag,
                             extra))
        response = final_response(attacker)
        check(response is not None and response.status == 481,
              f"forged {method} ({from_tag}/{to_tag}): {response}")
    for ua, name in ((bob, "bob"), (alice, "alice")):
        heard = ua.c.recv(0.5)
        check(heard is None, f"{name} heard of the forged requests: {heard}")
    check(target.quiet_for(0.2), f"the forged requests went on: {target.describe()}")
    check(len(calls()) == 1, f"the call did not survive: {calls()}")
    check(cdr_lines() == cdrs, "a CDR was written for a call that did not end")
    # The real BYE still ends it.
    bye = threading.Thread(target=lambda: bob.respond(bob.wait_request("BYE"), 200, "OK"))
    bye.start()
    from siptest import in_dialog_request
    response = alice.transact(in_dialog_request(alice, dialog, "BYE"))
    bye.join(5)
    check(response.status == 200, f"the real BYE: {response}")
    deadline = time.time() + 3
    while calls() and time.time() < deadline:
        time.sleep(0.05)
    check(not calls(), "the real BYE did not end the call")
    for ua in (alice, bob):
        ua.c.close()


def test_only_the_caller_cancels():
    bob = registered(gw, "bob")
    alice = registered(gw, "alice")
    from siptest import digest_response
    uri = "sip:bob@localhost"
    call_id = secrets.token_hex(8)
    headers = [f"Contact: {alice.contact()}", "Content-Type: application/sdp"]
    alice.c.send(alice.request("INVITE", uri, headers, body=SDP, call_id=call_id, to=f"<{uri}>"))
    challenge = final_response(alice.c)
    auth = digest_response(challenge.all("Proxy-Authenticate")[0], "INVITE", uri, "alice",
                           "alicepw")
    invite = alice.request("INVITE", uri, headers + [f"Proxy-Authorization: {auth}"], body=SDP,
                           call_id=call_id, to=f"<{uri}>")
    alice.c.send(invite)
    ringing = bob.wait_request("INVITE")
    bob.respond(ringing, 180, "Ringing", to_tag="b1")
    # The attacker saw the INVITE (say, its first hop is sniffable) and copies its transaction.
    head = dict(line.split(": ", 1) for line in invite.split("\r\n")[1:] if ": " in line)
    cancel = (f"CANCEL {uri} SIP/2.0\r\nVia: {head['Via']}\r\nMax-Forwards: 70\r\n"
              f"From: {head['From']}\r\nTo: {head['To']}\r\nCall-ID: {call_id}\r\n"
              f"CSeq: {head['CSeq'].split()[0]} CANCEL\r\nContent-Length: 0\r\n\r\n")
    attacker = Connection("udp", UDP)
    attacker.send(cancel)
    response = final_response(attacker)
    check(response is not None and response.status == 481, f"the forged CANCEL: {response}")
    heard = bob.c.recv(0.5)
    check(heard is None or heard.method != "CANCEL", "bob was sent the forged CANCEL")
    # The caller's own CANCEL works.
    alice.c.send(cancel)
    check(bob.wait_request("CANCEL") is not None, "the caller's CANCEL did not reach bob")
    for ua in (alice, bob):
        ua.c.close()


tests = tests_in(globals())
try:
    run_tests(tests, [gw])
finally:
    target.close()
