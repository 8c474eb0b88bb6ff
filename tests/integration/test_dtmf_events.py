"""DTMF through the relay: a sipp caller offering PCMU and telephone-event calls a sipp phone
through the embedded relay (media.anchor: always) and plays sipp's RFC 4733 recording of the
digit 1; the events API must report it once as call.dtmf, from the caller, with its duration.
Digits sent through the API (POST /api/v1/calls/{id}/dtmf) are played by the relay toward a side
that negotiated telephone-event, and refused toward one that did not.
"""
import json
import threading
import time

from siptest import (EventSocket, Gateway, check, free_port, parse_args, run_tests, sipp, sipp_logs,
                     tests_in)

args = parse_args()
gw = Gateway(args.binary, transports=("udp",), media_extra=", anchor: always").start()
UDP = gw.ports["udp"]


def test_rfc4733_digit_becomes_one_call_dtmf_event():
    stream = EventSocket(gw.http_port, "/api/v1/events?types=call.")
    check(stream.status == 101, f"WebSocket handshake answered {stream.status}")
    bob_port = free_port()
    rc, logs = sipp("register.xml", UDP, bob_port, ["-s", "bob", "-au", "bob", "-ap", "bobpw"])
    check(rc == 0, f"register:\n{sipp_logs(logs)}")
    callee = sipp("uas_answer.xml", UDP, bob_port, ["-s", "bob"], background=True)
    rc, logs = sipp("uac_dtmf.xml", UDP, free_port(), ["-s", "bob", "-au", "alice", "-ap",
                                                        "alicepw", "-mp", str(free_port())])
    callee.wait(20)
    check(rc == 0 and callee.returncode == 0, f"call failed:\n{sipp_logs(logs)}")
    events = stream.read_until(lambda e: any(x["type"] == "call.ended" for x in e), timeout=15)
    digits = [e for e in events if e["type"] == "call.dtmf"]
    print("call.dtmf:", json.dumps(digits))
    check(len(digits) == 1, f"expected one call.dtmf, got {[e['type'] for e in events]}")
    digit = digits[0]
    answered = next(e for e in events if e["type"] == "call.answered")
    check(digit["digit"] == "1" and digit["direction"] == "from_caller"
          and digit["source"] == "rfc4733" and digit["duration_ms"] >= 40
          and digit["call"]["id"] == answered["call"]["id"], f"call.dtmf: {digit}")
    types = [e["type"] for e in events]
    check(types.index("call.answered") < types.index("call.dtmf") < types.index("call.ended"),
          f"order: {types}")


def test_api_digits_go_to_a_side_with_telephone_event():
    stream = EventSocket(gw.http_port, "/api/v1/events?types=call.")
    bob_port = free_port()
    rc, logs = sipp("register.xml", UDP, bob_port, ["-s", "bob", "-au", "bob", "-ap", "bobpw"])
    check(rc == 0, f"register:\n{sipp_logs(logs)}")
    # bob answers PCMU only and plays audio; alice (the caller) offered telephone-event.
    callee = sipp("uas_answer_play.xml", UDP, bob_port, ["-s", "bob"], background=True)
    result = {}
    caller = threading.Thread(target=lambda: result.update(call=sipp(
        "uac_dtmf.xml", UDP, free_port(), ["-s", "bob", "-au", "alice", "-ap", "alicepw", "-mp",
                                            str(free_port())])))
    caller.start()
    answered = next(e for e in stream.read_until(
        lambda e: any(x["type"] == "call.answered" for x in e), timeout=15)
        if e["type"] == "call.answered")
    call_id = answered["call"]["id"]
    time.sleep(1.0)  # bob's audio under way: the relay plays the digits on his packets
    status, body = gw.http("POST", f"/api/v1/calls/{call_id}/dtmf", {"digits": "42"})
    check(status == 409 and "telephone" in body, f"to bob (no telephone-event): {status} {body}")
    status, body = gw.http("POST", f"/api/v1/calls/{call_id}/dtmf",
                           {"digits": "42", "duration_ms": 120, "to": "caller"})
    reply = json.loads(body) if body else {}
    check(status == 202 and reply.get("to") == "caller" and reply.get("digits") == "42"
          and "warning" not in reply, f"to alice: {status} {body}")
    status, body = gw.http("POST", f"/api/v1/calls/{call_id}/dtmf", {"digits": "1x"})
    check(status == 400, f"bad digits: {status} {body}")
    caller.join(30)
    callee.wait(20)
    rc, logs = result["call"]
    check(rc == 0, f"call failed:\n{sipp_logs(logs)}")


run_tests(tests_in(dict(globals())), [gw])
