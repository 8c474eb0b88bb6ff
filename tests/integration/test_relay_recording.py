#!/usr/bin/env python3
"""Call recording in `rtcgate relay`: ng `start recording` / `stop recording`.

A relay with `relay.record_dir` gets a call through ng offer/answer (PCMU both ways). After
`start recording`, alice's phone (a Python socket) sends a 440 Hz tone and bob's a 1000 Hz tone,
20 ms PCMU packets in real time, for about two seconds; then `stop recording`. The WAV file the
reply names must be 16-bit stereo, as long as the time between start and stop (within 10 %),
with alice's tone on channel 0 and bob's on channel 1 (a Goertzel filter per channel), and its
JSON sidecar must name the call and the codecs. File names that would leave the directory, a
second start, and an unknown call are refused; `delete` stops a recording.
"""
import json
import math
import os
import random
import socket
import struct
import tempfile
import time
import wave

from siptest import check, free_port, parse_args, run_tests, tests_in

import relayprocs
import test_relay_dtmf as dtmf  # the call's SDP and how a reply's port is read
import test_relay_kamailio as kit  # ng client

args = parse_args()
WORKDIR = tempfile.mkdtemp(prefix="relay-recording-")
RECORD_DIR = os.path.join(WORKDIR, "recordings")


def udp():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    return sock


def ulaw(sample):
    """G.711 mu-law of one 16-bit sample (ITU-T G.711, as the relay's decoder expects)."""
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), 32635) + 0x84
    exponent = 7
    while exponent > 0 and not magnitude & (0x4000 >> (7 - exponent)):
        exponent -= 1
    mantissa = (magnitude >> (exponent + 3)) & 0x0f
    return ~(sign | (exponent << 4) | mantissa) & 0xff


class Tone:
    """20 ms PCMU payloads of a continuous sine."""

    def __init__(self, frequency):
        self.frequency, self.n = frequency, 0

    def next(self):
        out = bytes(ulaw(int(8000 * math.sin(2 * math.pi * self.frequency * (self.n + i) / 8000)))
                    for i in range(160))
        self.n += 160
        return out


def goertzel(samples, rate, frequency):
    coefficient = 2 * math.cos(2 * math.pi * frequency / rate)
    previous = before = 0.0
    for sample in samples:
        previous, before = sample + coefficient * previous - before, previous
    return (previous * previous + before * before - coefficient * previous * before) / len(samples) ** 2


class Call:
    """An `rtcgate relay` recording into RECORD_DIR, and a call alice -> bob through it."""

    def __init__(self, **offer_keys):
        self.ng_port = free_port(both=False)
        self.proc = relayprocs.start_relay(args.binary, WORKDIR, self.ng_port,
                                           f"  record_dir: {RECORD_DIR}\n")
        self.alice, self.bob = udp(), udp()
        self.call_id = "rec-%d" % random.randrange(1 << 30)
        offer = self.ng("offer", sdp=dtmf.sdp(self.alice.getsockname()[1]), flags=["trust-address"],
                        **offer_keys)
        self.bob_sends = dtmf.media_port(offer)
        answer = self.ng("answer", **{"to-tag": "bob-tag"}, sdp=dtmf.sdp(self.bob.getsockname()[1]),
                         flags=["trust-address"])
        self.alice_sends = dtmf.media_port(answer)

    def ng(self, command, **keys):
        request = {"command": command, "call-id": self.call_id, "from-tag": "alice-tag"}
        request.update(keys)
        return kit.ng(self.ng_port, request)

    def talk(self, seconds):
        """Both parties send their tone in real time; what the relay forwards is drained."""
        tones = (Tone(440), Tone(1000))
        start = time.monotonic()
        for i in range(int(seconds * 50)):
            for party, (sock, port) in enumerate(((self.alice, self.alice_sends),
                                                  (self.bob, self.bob_sends))):
                header = struct.pack("!BBHII", 0x80, 0, (100 + i) & 0xffff, 8000 + 160 * i,
                                     0x1000 + party)
                sock.sendto(header + tones[party].next(), ("127.0.0.1", port))
            for sock in (self.alice, self.bob):
                try:
                    while sock.recv(2048):
                        pass
                except BlockingIOError:
                    pass
            time.sleep(max(0.0, start + (i + 1) * 0.02 - time.monotonic()))

    def stop(self):
        self.proc.terminate()
        check(self.proc.wait(10) == 0, f"relay exit status {self.proc.returncode}")


def wait_for(path, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.05)
    return False


def test_a_recorded_call_has_each_party_on_its_channel():
    call = Call()
    try:
        started = time.monotonic()
        reply = call.ng("start recording", **{"recording-file": "tones.wav"})
        check(reply and reply.get("result") == "ok", f"start recording: {reply}")
        path = reply["recording-file"]
        check(path == os.path.join(RECORD_DIR, "tones.wav"), f"recording file {path}")
        again = call.ng("start recording")
        check(again.get("result") == "error" and "already" in again["error-reason"],
              f"second start: {again}")
        call.talk(2.0)
        query = call.ng("query")
        check(query["recording"]["call recording"] == path, f"query: {query.get('recording')}")
        reply = call.ng("stop recording")
        stopped = time.monotonic()
        check(reply and reply.get("result") == "ok" and reply["recording-file"] == path,
              f"stop recording: {reply}")
        check(wait_for(path + ".json"), "the sidecar was not written")
        with wave.open(path) as wav:
            check(wav.getnchannels() == 2 and wav.getsampwidth() == 2, "16-bit stereo")
            rate, frames = wav.getframerate(), wav.getnframes()
            data = wav.readframes(frames)
        expected = stopped - started
        check(abs(frames / rate - expected) <= 0.1 * expected,
              f"duration {frames / rate:.2f} s, recorded for {expected:.2f} s")
        samples = struct.unpack(f"<{2 * frames}h", data)
        middle = slice(int(0.5 * rate), int(1.5 * rate))
        for channel, (mine, theirs) in enumerate(((440, 1000), (1000, 440))):
            pcm = samples[channel::2][middle]
            own, other = goertzel(pcm, rate, mine), goertzel(pcm, rate, theirs)
            check(own > 1e6 and own > 100 * other,
                  f"channel {channel}: {mine} Hz power {own:.0f}, {theirs} Hz {other:.0f}")
        with open(path + ".json") as f:
            sidecar = json.load(f)
        check(sidecar["call-id"] == call.call_id and sidecar["from-tag"] == "alice-tag"
              and sidecar["to-tag"] == "bob-tag", f"sidecar: {sidecar}")
        check([c["codecs"] for c in sidecar["channels"]] == [["PCMU/8000"], ["PCMU/8000"]],
              f"sidecar codecs: {sidecar}")
        check(sidecar["dropped"] == 0, f"sidecar dropped: {sidecar}")
        stats = kit.ng(call.ng_port, {"command": "statistics"})
        check(stats["statistics"]["totalstatistics"]["recordingdropped"] == 0, "recordingdropped")
        check(call.ng("stop recording").get("result") == "error", "stop without a recording")
    finally:
        call.stop()


def test_names_outside_the_directory_and_unknown_calls_are_refused():
    call = Call()
    try:
        for keys in ({"recording-file": "../escape.wav"}, {"recording-file": "/tmp/escape.wav"},
                     {"recording-dir": "/tmp"}, {"recording-dir": "../.."},
                     {"recording-file": ".."}, {"recording-format": "mp3"},
                     {"recording-mix": "5.1"}):
            reply = call.ng("start recording", **keys)
            check(reply.get("result") == "error" and reply.get("error-reason"), f"{keys}: {reply}")
        check(not os.path.exists(os.path.join(WORKDIR, "escape.wav")), "a file escaped")
        reply = kit.ng(call.ng_port, {"command": "start recording", "call-id": "nope"})
        check(reply.get("result") == "error" and reply["error-reason"] == "Unknown call-id",
              f"unknown call: {reply}")
    finally:
        call.stop()


def test_delete_stops_the_recording():
    call = Call()
    try:
        reply = call.ng("start recording", **{"recording-dir": "sub", "recording-mix": "mono"})
        check(reply.get("result") == "ok", f"start recording: {reply}")
        path = reply["recording-file"]
        check(os.path.dirname(path) == os.path.join(RECORD_DIR, "sub"), f"path {path}")
        call.talk(0.5)
        check(call.ng("delete").get("result") == "ok", "delete")
        check(wait_for(path + ".json"), "delete did not close the recording")
        with wave.open(path) as wav:
            check(wav.getnchannels() == 1, "mono")
            check(0.3 < wav.getnframes() / wav.getframerate() < 1.0,
                  f"duration {wav.getnframes() / wav.getframerate()}")
    finally:
        call.stop()


def test_pcap_holds_the_rtp_with_the_parties_addresses():
    call = Call()
    try:
        reply = call.ng("start recording", **{"recording-format": "pcap"})
        check(reply.get("result") == "ok" and reply["recording-file"].endswith(".pcap"),
              f"start recording: {reply}")
        path = reply["recording-file"]
        call.talk(0.4)
        check(call.ng("stop recording").get("result") == "ok", "stop recording")
        check(wait_for(path + ".json"), "the sidecar was not written")
        with open(path, "rb") as f:
            data = f.read()
        magic, major, minor, _, _, _, linktype = struct.unpack("<IHHiIII", data[:24])
        check((magic, major, minor, linktype) == (0xa1b2c3d4, 2, 4, 101), "pcap header")
        flows, at = {}, 24
        while at < len(data):
            _, _, length, _ = struct.unpack("<IIII", data[at:at + 16])
            packet = data[at + 16:at + 16 + length]
            source, destination = socket.inet_ntoa(packet[12:16]), socket.inet_ntoa(packet[16:20])
            sport, dport = struct.unpack("!HH", packet[20:24])
            check(packet[28] == 0x80, "RTP after the IP and UDP headers")
            key = (source, sport, destination, dport)
            flows[key] = flows.get(key, 0) + 1
            at += 16 + length
        alice = ("127.0.0.1", call.alice.getsockname()[1], "127.0.0.1", call.alice_sends)
        bob = ("127.0.0.1", call.bob.getsockname()[1], "127.0.0.1", call.bob_sends)
        check(set(flows) == {alice, bob} and min(flows.values()) >= 15, f"flows {flows}")
        with open(path + ".json") as f:
            check(json.load(f)["format"] == "pcap", "sidecar format")
    finally:
        call.stop()


def test_record_call_in_the_offer_starts_a_recording():
    call = Call(**{"record call": "yes", "recording-file": "offered.wav"})
    try:
        recording = call.ng("query").get("recording") or {}
        path = os.path.join(RECORD_DIR, "offered.wav")
        check(recording.get("call recording") == path, f"query: {recording}")
        call.talk(0.3)
        reply = call.ng("stop recording")
        check(reply.get("result") == "ok" and reply["recording-file"] == path, f"stop: {reply}")
        check(wait_for(path + ".json"), "the sidecar was not written")
        with open(path + ".json") as f:
            sidecar = json.load(f)
        check(sidecar["to-tag"] == "bob-tag", f"the answer's to-tag in the sidecar: {sidecar}")
    finally:
        call.stop()


if __name__ == "__main__":
    run_tests(tests_in(dict(globals())))
