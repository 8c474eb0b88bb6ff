"""Playing a file into a call through the gateway's API (media.anchor: always, the embedded relay):
sipp phones in a call (Debian sipp's G.711 A-law each way).

POST /api/v1/calls/{id}/play of a WAV in the default media directory (DATA_DIR/media): 202 with
its duration, a file outside the directory refused (422), DELETE stops it (then 409: nothing
plays), a short file's call.play goes started -> finished; an unknown call is 404; a file still
playing when the call ends is reported stopped (call-ended).
"""
import json
import math
import os
import struct
import threading
import wave

from siptest import (EventSocket, Gateway, check, free_port, parse_args, run_tests, sipp, sipp_logs,
                     tests_in)

args = parse_args()
gw = Gateway(args.binary, transports=("udp",), media_extra=", anchor: always").start()
UDP = gw.ports["udp"]
MEDIA_DIR = os.path.join(gw.dir, "data", "media")


def write_tone(name, seconds, rate=8000):
    os.makedirs(MEDIA_DIR, exist_ok=True)
    with wave.open(os.path.join(MEDIA_DIR, name), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(10000 * math.sin(2 * math.pi * 1000 * i / rate)))
                               for i in range(int(rate * seconds))))


def test_api_plays_a_file_into_a_call():
    write_tone("long.wav", 3.0)
    write_tone("short.wav", 0.4)
    stream = EventSocket(gw.http_port, "/api/v1/events?types=call.")
    bob_port = free_port()
    rc, logs = sipp("register.xml", UDP, bob_port, ["-s", "bob", "-au", "bob", "-ap", "bobpw"])
    check(rc == 0, f"register:\n{sipp_logs(logs)}")
    callee_logs = os.path.join(gw.dir, "bob")
    os.makedirs(callee_logs, exist_ok=True)
    callee = sipp("uas_answer_pcma.xml", UDP, bob_port, ["-s", "bob"], background=True,
                  log_dir=callee_logs)
    result = {}
    caller = threading.Thread(target=lambda: result.update(call=sipp(
        "uac_talk_pcma.xml", UDP, free_port(), ["-s", "bob", "-au", "alice", "-ap", "alicepw",
                                                "-mp", str(free_port())])))
    caller.start()
    answered = next(e for e in stream.read_until(
        lambda e: any(x["type"] == "call.answered" for x in e), timeout=15)
        if e["type"] == "call.answered")
    call_id = answered["call"]["id"]

    status, body = gw.http("POST", f"/api/v1/calls/{call_id}/play", {"file": "long.wav"})
    played = json.loads(body) if body else {}
    check(status == 202 and played.get("duration_ms") == 3000 and played.get("to") == "both",
          f"play: {status} {body}")
    status, body = gw.http("DELETE", f"/api/v1/calls/{call_id}/play")
    check(status == 200 and json.loads(body).get("stopped") is True, f"stop: {status} {body}")
    status, body = gw.http("DELETE", f"/api/v1/calls/{call_id}/play")
    check(status == 409, f"stop with nothing playing: {status} {body}")
    status, body = gw.http("POST", f"/api/v1/calls/{call_id}/play", {"file": "../rtcgate.yaml"})
    check(status == 422, f"a file outside the media directory: {status} {body}")
    status, body = gw.http("POST", f"/api/v1/calls/{call_id}/play", {"to": "both"})
    check(status == 422, f"no file: {status} {body}")
    status, body = gw.http("POST", "/api/v1/calls/999999/play", {"file": "long.wav"})
    check(status == 404, f"unknown call: {status} {body}")
    status, body = gw.http("POST", f"/api/v1/calls/{call_id}/play",
                           {"file": "short.wav", "to": "callee"})
    check(status == 202 and json.loads(body).get("duration_ms") == 400, f"short: {status} {body}")
    events = stream.read_until(
        lambda e: sum(x["type"] == "call.play" for x in e) >= 4, timeout=10)
    changes = [(e["state"], e["file"], e["to"]) for e in events if e["type"] == "call.play"]
    check(changes == [("started", "long.wav", "both"), ("stopped", "long.wav", "both"),
                      ("started", "short.wav", "callee"), ("finished", "short.wav", "callee")],
          f"call.play: {changes}")
    # A file still playing when the call ends (the caller hangs up 4 s after the answer) stops.
    write_tone("longer.wav", 8.0)
    status, body = gw.http("POST", f"/api/v1/calls/{call_id}/play", {"file": "longer.wav"})
    check(status == 202, f"longer: {status} {body}")
    events = stream.read_until(
        lambda e: sum(x["type"] == "call.play" for x in e) >= 6, timeout=15)
    last = [e for e in events if e["type"] == "call.play"][-1]
    check((last["state"], last.get("reason")) == ("stopped", "call-ended"),
          f"the call's end while playing: {last}")
    caller.join(40)
    callee.wait(20)
    rc, logs = result["call"]
    check(rc == 0 and callee.returncode == 0,
          f"call failed:\n{sipp_logs(logs)}\n{sipp_logs(callee_logs)}")


run_tests(tests_in(dict(globals())), [gw])
