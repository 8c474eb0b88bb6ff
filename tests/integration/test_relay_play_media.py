#!/usr/bin/env python3
"""ng `play media` through `rtcgate relay` (rtpengine's announcement playback).

A relay with `relay.media_dir` holding a generated 1 s 1 kHz WAV (16 kHz mono, so the relay
resamples) gets a PCMU call through ng offer/answer. Alice's phone (a Python socket) sends 20 ms
PCMU silence throughout. After `play media` with from-tag alice, bob must receive about 50 PCMU
packets (the file, one per 20 ms from the relay's timer) whose decoded audio is a 1 kHz tone
(G.711 decode and Goertzel here: no numpy), with alice's SSRC and the marker on the first, in
place of alice's packets; then alice's own silence flows again. `stop media` ends a longer play
early, and files outside the media directory, `..` and unknown calls are refused.
"""
import math
import os
import random
import select
import socket
import struct
import tempfile
import time
import wave

from siptest import check, free_port, parse_args, run_tests, tests_in

import test_relay_kamailio as kit  # ng client
from relayprocs import start_relay
from test_relay_dtmf import media_port  # the relay's port in an ng reply's SDP

args = parse_args()
WORKDIR = tempfile.mkdtemp(prefix="relay-play-")
MEDIA_DIR = os.path.join(WORKDIR, "media")
SSRC = 0xA11CE
SILENCE = b"\xff" * 160  # PCMU zero


def write_tone(name, seconds, hz=1000, rate=16000):
    os.makedirs(MEDIA_DIR, exist_ok=True)
    path = os.path.join(MEDIA_DIR, name)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(
            struct.pack("<h", int(12000 * math.sin(2 * math.pi * hz * i / rate)))
            for i in range(int(rate * seconds))))
    return path


def sdp(port):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
            f"a=rtpmap:101 telephone-event/8000\r\na=rtcp:{port}\r\n")


def udp():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    return sock


def ulaw_to_linear(byte):
    byte = ~byte & 0xff
    magnitude = (((byte & 0x0f) << 3) + 0x84) << ((byte >> 4) & 7)
    return -(magnitude - 0x84) if byte & 0x80 else magnitude - 0x84


def goertzel(samples, hz, rate=8000):
    coefficient = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coefficient * s1 - s2, s1
    return s1 * s1 + s2 * s2 - coefficient * s1 * s2


class Call:
    """An `rtcgate relay` with a media directory, and a PCMU call alice -> bob through it."""

    def __init__(self):
        self.ng_port = free_port(both=False)
        self.proc = start_relay(args.binary, WORKDIR, self.ng_port,
                                f"  media_dir: {MEDIA_DIR}\n")
        self.alice, self.bob = udp(), udp()
        self.call_id = "play-%d" % random.randrange(1 << 30)
        offer = kit.ng(self.ng_port, {"command": "offer", "call-id": self.call_id,
                                      "from-tag": "alice-tag", "sdp": sdp(self.alice.getsockname()[1]),
                                      "flags": ["trust-address"]})
        media_port(offer)
        answer = kit.ng(self.ng_port, {"command": "answer", "call-id": self.call_id,
                                       "from-tag": "alice-tag", "to-tag": "bob-tag",
                                       "sdp": sdp(self.bob.getsockname()[1]),
                                       "flags": ["trust-address"]})
        self.alice_sends = media_port(answer)
        self.seq, self.ts = 4000, 80000

    def ng(self, command, **keys):
        request = {"command": command, "call-id": self.call_id, "from-tag": "alice-tag"}
        request.update(keys)
        return kit.ng(self.ng_port, request)

    def talk(self, seconds):
        """Alice sends 20 ms PCMU silence for `seconds`; returns the packets bob got meanwhile."""
        got = []
        next_send = time.monotonic()
        end = next_send + seconds
        while time.monotonic() < end:
            if time.monotonic() >= next_send:
                packet = struct.pack("!BBHII", 0x80, 0, self.seq & 0xffff, self.ts, SSRC) + SILENCE
                self.alice.sendto(packet, ("127.0.0.1", self.alice_sends))
                self.seq, self.ts = self.seq + 1, self.ts + 160
                next_send += 0.02
            readable, _, _ = select.select([self.bob], [], [], 0.005)
            if readable:
                while True:
                    try:
                        got.append(self.bob.recv(2048))
                    except BlockingIOError:
                        break
        return got

    def stop(self):
        self.proc.terminate()
        check(self.proc.wait(10) == 0, f"relay exit status {self.proc.returncode}")


def played(packets):
    return [p for p in packets if p[12:] != SILENCE]


def test_play_media_replaces_alices_audio_with_the_file():
    write_tone("tone.wav", 1.0)
    call = Call()
    try:
        before = call.talk(0.3)
        check(before and all(p[12:] == SILENCE for p in before), "alice's silence reaches bob")
        reply = call.ng("play media", file="tone.wav")
        check(reply and reply.get("result") == "ok", f"play media: {reply}")
        check(reply.get("duration") == 1000, f"duration: {reply}")
        during = call.talk(1.6)
        tone = played(during)
        check(48 <= len(tone) <= 52, f"{len(tone)} announcement packets (50 expected)")
        first = struct.unpack("!BBHII", tone[0][:12])
        check(first[1] == 0x80, f"marker and PCMU on the first frame: {first[1]:#x}")
        check(first[4] == SSRC, f"alice's SSRC: {first[4]:#x}")
        headers = [struct.unpack("!BBHII", p[:12]) for p in tone]
        seqs = [h[2] for h in headers]
        check(seqs == list(range(seqs[0], seqs[0] + len(seqs))), f"sequence numbers: {seqs}")
        check(all(h[3] - headers[0][3] == 160 * i for i, h in enumerate(headers)), "timestamps")
        samples = [ulaw_to_linear(b) for p in tone for b in p[12:]]
        at_1k = goertzel(samples, 1000)
        check(at_1k > 100 * goertzel(samples, 600) and at_1k > 100 * goertzel(samples, 1400),
              "the decoded audio is a 1 kHz tone")
        # The file is over: alice's own audio flows again.
        after = call.talk(0.4)
        check(len(after) >= 15 and not played(after), f"alice's audio again: {len(after)} packets")
    finally:
        call.stop()


def test_stop_media_and_refusals():
    write_tone("long.wav", 5.0, rate=8000)
    call = Call()
    try:
        call.talk(0.1)
        reply = call.ng("play media", file=os.path.join(MEDIA_DIR, "long.wav"), **{"repeat-times": 2})
        check(reply and reply.get("duration") == 10000, f"play media twice: {reply}")
        check(len(played(call.talk(0.5))) >= 20, "the file plays")
        reply = call.ng("stop media")
        check(reply and reply.get("result") == "ok", f"stop media: {reply}")
        after = call.talk(0.5)
        check(len(played(after)) <= 1 and len(after) >= 20, "alice's audio after stop media")
        check(call.ng("stop media").get("result") == "error", "nothing to stop")
        for name in ("../relay.yaml", "/etc/passwd", "missing.wav"):
            reply = call.ng("play media", file=name)
            check(reply and reply.get("result") == "error", f"{name}: {reply}")
        with open(os.path.join(MEDIA_DIR, "bad.wav"), "wb") as f:
            f.write(b"RIFF\0\0\0\0WAVEjunk")
        reply = call.ng("play media", file="bad.wav")
        check(reply and reply.get("result") == "error", f"bad WAV: {reply}")
        reply = kit.ng(call.ng_port, {"command": "play media", "call-id": "nope",
                                      "from-tag": "alice-tag", "file": "long.wav"})
        check(reply and reply.get("result") == "error", f"unknown call: {reply}")
        # A call's delete ends what plays.
        check(call.ng("play media", file="long.wav").get("result") == "ok", "plays again")
        reply = kit.ng(call.ng_port, {"command": "delete", "call-id": call.call_id})
        check(reply and reply.get("result") == "ok", f"delete: {reply}")
        time.sleep(0.1)
        call.talk(0.2)  # drain
        check(not played(call.talk(0.3)), "nothing played after delete")
    finally:
        call.stop()


if __name__ == "__main__":
    run_tests(tests_in(dict(globals())))
