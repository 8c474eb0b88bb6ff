"""DTMF through the relay (media.anchor: always), between sipp phones.

- A caller offering PCMU and telephone-event plays sipp's RFC 4733 recording of the digit 1 to a
  phone that negotiated no telephone-event: the events API reports it once as call.dtmf, from
  the caller, and the phone gets it as SIP INFO.
- A caller sends SIP INFO digits (as JsSIP does) to a phone that negotiated telephone-event: the
  phone's socket (the test's own) gets them as RFC 4733 events, end packets included, in order.
- Digits sent through the API (POST /api/v1/calls/{id}/dtmf) are played by the relay toward a
  side that negotiated telephone-event, and sent as SIP INFO toward one that did not.
"""
import json
import re
import tempfile
import threading
import time

from siptest import (EventSocket, Gateway, RtpEventReceiver, check, free_port, parse_args,
                     run_tests, sipp, sipp_logs, tests_in)

args = parse_args()


def info_digits(log_dir):
    """The digits of the SIP INFOs a sipp phone received, in order (its -trace_msg log)."""
    return "".join(re.findall(r"^\s*Signal=(\S)", sipp_logs(log_dir), re.M))


gw = Gateway(args.binary, transports=("udp",), media_extra=", anchor: always").start()
UDP = gw.ports["udp"]


def test_rfc4733_digit_becomes_one_call_dtmf_event():
    stream = EventSocket(gw.http_port, "/api/v1/events?types=call.")
    check(stream.status == 101, f"WebSocket handshake answered {stream.status}")
    bob_port = free_port()
    rc, logs = sipp("register.xml", UDP, bob_port, ["-s", "bob", "-au", "bob", "-ap", "bobpw"])
    check(rc == 0, f"register:\n{sipp_logs(logs)}")
    bob_logs = tempfile.mkdtemp(prefix="sipp-bob-")
    callee = sipp("uas_answer_info.xml", UDP, bob_port, ["-s", "bob", "-mp", str(free_port())],
                  background=True, log_dir=bob_logs)
    rc, logs = sipp("uac_dtmf.xml", UDP, free_port(), ["-s", "bob", "-au", "alice", "-ap",
                                                        "alicepw", "-mp", str(free_port())])
    callee.wait(20)
    check(rc == 0 and callee.returncode == 0,
          f"call failed:\n{sipp_logs(logs)}\n{sipp_logs(bob_logs)}")
    check(info_digits(bob_logs) == "1", f"bob's INFO digits: {info_digits(bob_logs)!r}")
    events = stream.read_until(lambda e: any(x["type"] == "call.ended" for x in e), timeout=15)
    digits = [e for e in events if e["type"] == "call.dtmf"]
    print("call.dtmf:", json.dumps(digits))
    check(len(digits) == 1, f"expected one call.dtmf, got {[e['type'] for e in events]}")
    digit = digits[0]
    answered = next(e for e in events if e["type"] == "call.answered")
    check(digit["digit"] == "1" and digit["direction"] == "from_caller"
          and digit["source"] == "rfc4733" and digit["duration_ms"] >= 40
          and digit["delivered_as"] == "info"
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
    bob_logs = tempfile.mkdtemp(prefix="sipp-bob-")
    callee = sipp("uas_answer_info.xml", UDP, bob_port, ["-s", "bob"], background=True,
                  log_dir=bob_logs)
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
    reply = json.loads(body) if body else {}
    check(status == 202 and reply.get("as") == "info" and reply.get("to") == "callee",
          f"to bob (no telephone-event): {status} {body}")
    status, body = gw.http("POST", f"/api/v1/calls/{call_id}/dtmf",
                           {"digits": "42", "duration_ms": 120, "to": "caller"})
    reply = json.loads(body) if body else {}
    check(status == 202 and reply.get("to") == "caller" and reply.get("digits") == "42"
          and reply.get("as") == "rfc4733" and "warning" not in reply, f"to alice: {status} {body}")
    status, body = gw.http("POST", f"/api/v1/calls/{call_id}/dtmf", {"digits": "1x"})
    check(status == 400, f"bad digits: {status} {body}")
    caller.join(30)
    callee.wait(20)
    rc, logs = result["call"]
    check(rc == 0 and callee.returncode == 0,
          f"call failed:\n{sipp_logs(logs)}\n{sipp_logs(bob_logs)}")
    # alice's own 1 (RFC 4733, right after the answer) reaches bob as INFO too, before ours.
    check(info_digits(bob_logs) == "142", f"bob's INFO digits: {info_digits(bob_logs)!r}")
    events = stream.read_until(lambda e: any(x["type"] == "call.ended" for x in e), timeout=15)
    api = [(e["digit"], e["direction"], e["delivered_as"]) for e in events
           if e["type"] == "call.dtmf" and e["source"] == "api"]
    check(api == [("4", "from_caller", "info"), ("2", "from_caller", "info"),
                  ("4", "from_callee", "rfc4733"), ("2", "from_callee", "rfc4733")],
          f"API digits as call.dtmf: {api}")


def test_info_digits_reach_a_phone_as_rfc4733_events():
    stream = EventSocket(gw.http_port, "/api/v1/events?types=call.dtmf")
    media = RtpEventReceiver()
    try:
        bob_port = free_port()
        rc, logs = sipp("register.xml", UDP, bob_port, ["-s", "bob", "-au", "bob", "-ap", "bobpw"])
        check(rc == 0, f"register:\n{sipp_logs(logs)}")
        callee = sipp("uas_answer_events.xml", UDP, bob_port,
                      ["-s", "bob", "-key", "te_port", str(media.port)], background=True)
        rc, logs = sipp("uac_info_dtmf.xml", UDP, free_port(), ["-s", "bob", "-au", "alice", "-ap",
                                                                 "alicepw", "-mp", str(free_port())])
        callee.wait(20)
        check(rc == 0 and callee.returncode == 0, f"call failed:\n{sipp_logs(logs)}")
        digits = media.digits()
        print("events on bob's wire:", digits, "audio packets:", media.audio)
        check([d[0] for d in digits] == [5, 11], f"events on the wire: {digits}")
        check(all(ends >= 1 for _, ends in digits), f"every event ends: {digits}")
        check(media.audio > 50, f"alice's audio reached bob: {media.audio} packets")
        events = stream.read_until(lambda e: len(e) >= 2, timeout=5)
        got = [(e["digit"], e["source"], e["delivered_as"], e["direction"]) for e in events]
        check(got == [("5", "info", "rfc4733", "from_caller"), ("#", "info", "rfc4733",
                                                                "from_caller")],
              f"call.dtmf: {got}")
    finally:
        media.close()


run_tests(tests_in(dict(globals())), [gw])
