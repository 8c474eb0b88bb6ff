"""Call recording through the gateway (media.anchor: always, the embedded relay): sipp phones
talking both ways (Debian sipp's G.711 A-law recording each way).

- POST /api/v1/calls/{id}/recording during the call, DELETE two seconds later: a stereo WAV of
  about two seconds with sound on both channels (the caller left, the callee right), its JSON
  sidecar, and call.recording started/stopped events.
- A route with `record: true`: the call is recorded from its answer to its end, and its CDR
  names the file.
"""
import json
import math
import os
import struct
import threading
import time
import wave

from siptest import (EventSocket, Gateway, check, free_port, parse_args, run_tests, sipp, sipp_logs,
                     tests_in)

args = parse_args()
ROUTED_PORT = free_port()
gw = Gateway(args.binary, transports=("udp",), media_extra=", anchor: always",
             extra_yaml="routes:\n  - { match: '^rec$', to: [ 'sip:127.0.0.1:%d' ], record: true }\n"
             % ROUTED_PORT).start()
UDP = gw.ports["udp"]


def channel_rms(path):
    """The WAV's channel count, duration (s) and the RMS of each channel."""
    with wave.open(path, "rb") as w:
        channels, rate, frames = w.getnchannels(), w.getframerate(), w.getnframes()
        data = w.readframes(frames)
    samples = struct.unpack("<%dh" % (len(data) // 2), data)
    rms = []
    for c in range(channels):
        own = samples[c::channels]
        rms.append(math.sqrt(sum(s * s for s in own) / max(1, len(own))))
    return channels, frames / rate, rms


def call_in_background(service, callee_port, callee_logs):
    """bob (sipp, playing audio) answers at callee_port; alice calls `service`."""
    callee = sipp("uas_answer_pcma.xml", UDP, callee_port, ["-s", "bob"], background=True,
                  log_dir=callee_logs)
    result = {}
    caller = threading.Thread(target=lambda: result.update(call=sipp(
        "uac_talk_pcma.xml", UDP, free_port(), ["-s", service, "-au", "alice", "-ap", "alicepw",
                                                  "-mp", str(free_port())])))
    caller.start()
    return callee, caller, result


def finish(callee, caller, result, callee_logs):
    caller.join(40)
    callee.wait(20)
    rc, logs = result["call"]
    check(rc == 0 and callee.returncode == 0,
          f"call failed:\n{sipp_logs(logs)}\n{sipp_logs(callee_logs)}")


def test_api_records_part_of_a_call_in_stereo():
    stream = EventSocket(gw.http_port, "/api/v1/events?types=call.")
    bob_port = free_port()
    rc, logs = sipp("register.xml", UDP, bob_port, ["-s", "bob", "-au", "bob", "-ap", "bobpw"])
    check(rc == 0, f"register:\n{sipp_logs(logs)}")
    callee_logs = os.path.join(gw.dir, "bob-api")
    os.makedirs(callee_logs, exist_ok=True)
    callee, caller, result = call_in_background("bob", bob_port, callee_logs)
    answered = next(e for e in stream.read_until(
        lambda e: any(x["type"] == "call.answered" for x in e), timeout=15)
        if e["type"] == "call.answered")
    call_id = answered["call"]["id"]
    status, body = gw.http("POST", f"/api/v1/calls/{call_id}/recording", {"format": "wav"})
    started = json.loads(body) if body else {}
    check(status == 201 and started.get("recording") is True and started.get("file"),
          f"start: {status} {body}")
    status, body = gw.http("POST", f"/api/v1/calls/{call_id}/recording", {})
    check(status == 409, f"a second start: {status} {body}")
    time.sleep(2.0)
    status, body = gw.http("DELETE", f"/api/v1/calls/{call_id}/recording")
    stopped = json.loads(body) if body else {}
    check(status == 200 and stopped.get("recording") is False
          and stopped.get("file") == started["file"], f"stop: {status} {body}")
    finish(callee, caller, result, callee_logs)

    channels, seconds, rms = channel_rms(started["file"])
    print("recording:", started["file"], channels, "channels", round(seconds, 2), "s, rms", rms)
    check(channels == 2, f"{channels} channels")
    check(1.6 <= seconds <= 2.6, f"{seconds:.2f} s recorded for a 2 s window")
    check(all(r > 100 for r in rms), f"a silent channel: rms {rms}")
    with open(started["file"] + ".json") as f:
        sidecar = json.load(f)
    check(sidecar.get("call-id") == answered["call"]["call_id"], f"sidecar: {sidecar}")
    events = stream.read_until(
        lambda e: sum(x["type"] == "call.recording" for x in e) >= 2, timeout=10)
    changes = [(e["state"], e.get("reason")) for e in events if e["type"] == "call.recording"]
    check(changes == [("started", None), ("stopped", "api")], f"call.recording: {changes}")


def test_a_recorded_route_records_the_whole_call():
    stream = EventSocket(gw.http_port, "/api/v1/events?types=call.")
    callee_logs = os.path.join(gw.dir, "bob-route")
    os.makedirs(callee_logs, exist_ok=True)
    callee, caller, result = call_in_background("rec", ROUTED_PORT, callee_logs)
    finish(callee, caller, result, callee_logs)
    events = stream.read_until(lambda e: any(x["type"] == "call.ended" for x in e), timeout=15)
    changes = [e for e in events if e["type"] == "call.recording"]
    check([(e["state"], e.get("reason")) for e in changes] ==
          [("started", None), ("stopped", "call-ended")], f"call.recording: {changes}")
    path = changes[0]["file"]
    channels, seconds, rms = channel_rms(path)
    print("route recording:", path, channels, "channels", round(seconds, 2), "s, rms", rms)
    check(channels == 2 and seconds >= 2.5 and all(r > 100 for r in rms),
          f"{channels} channels, {seconds:.2f} s, rms {rms}")
    status, body = gw.http("GET", "/api/v1/cdrs?limit=1")
    cdr = json.loads(body)["cdrs"][0]
    check(cdr["media"].get("recording") == path, f"CDR: {cdr}")


run_tests(tests_in(dict(globals())), [gw])
