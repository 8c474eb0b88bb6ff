#!/usr/bin/env python3
"""DTMF through `rtcgate relay` (rtpengine's DTMF logging and `play DTMF`).

A relay with `relay.dtmf_log_dest: udp://127.0.0.1:PORT` gets a call through ng offer/answer
(PCMU and telephone-event/8000 on both sides). Alice's phone (a Python socket) presses 5 then #
as RFC 4733 events, each end packet three times: the log destination must get exactly one JSON
datagram per digit in rtpengine's layout (callid, source_tag, tags, type, timestamp, source_ip,
event, duration, volume), and bob the event packets themselves. Then `play DTMF` with from-tag
alice and code "19": while alice sends 20 ms audio, bob must receive the digits as telephone-event
packets (marker on the first, end bit on the last three, alice's SSRC and sequence numbers).
"""
import json
import random
import socket
import struct
import tempfile
import time

from siptest import check, free_port, parse_args, run_tests, tests_in

import test_relay_kamailio as kit  # ng client
from relayprocs import start_relay

args = parse_args()
WORKDIR = tempfile.mkdtemp(prefix="relay-dtmf-")
SSRC = 0x5EED


def sdp(port):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
            f"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=rtcp:{port}\r\n")


def udp():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2)
    return sock


def media_port(reply):
    check(reply and reply.get("result") == "ok", f"ng reply: {reply}")
    for line in reply["sdp"].split("\r\n"):
        if line.startswith("m=audio "):
            return int(line.split()[1])
    raise AssertionError(f"no m=audio in {reply['sdp']}")


def rtp(pt, seq, ts, payload, marker=False):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xffff, ts, SSRC) + payload


class Call:
    """An `rtcgate relay` logging DTMF to a socket, and a call alice -> bob through it."""

    def __init__(self):
        self.log_sink = udp()
        self.ng_port = free_port(both=False)
        sink = self.log_sink.getsockname()[1]
        self.proc = start_relay(args.binary, WORKDIR, self.ng_port,
                                f"  dtmf_log_dest: udp://127.0.0.1:{sink}\n")
        self.alice, self.bob = udp(), udp()
        self.call_id = "dtmf-%d" % random.randrange(1 << 30)
        offer = kit.ng(self.ng_port, {"command": "offer", "call-id": self.call_id,
                                      "from-tag": "alice-tag", "sdp": sdp(self.alice.getsockname()[1]),
                                      "flags": ["trust-address"]})
        self.bob_sends = media_port(offer)
        answer = kit.ng(self.ng_port, {"command": "answer", "call-id": self.call_id,
                                       "from-tag": "alice-tag", "to-tag": "bob-tag",
                                       "sdp": sdp(self.bob.getsockname()[1]),
                                       "flags": ["trust-address"]})
        self.alice_sends = media_port(answer)

    def alice_sends_and_bob_gets(self, packet):
        self.alice.sendto(packet, ("127.0.0.1", self.alice_sends))
        data, _ = self.bob.recvfrom(2048)
        return data

    def stop(self):
        self.proc.terminate()
        check(self.proc.wait(10) == 0, f"relay exit status {self.proc.returncode}")


def test_each_digit_is_logged_once_in_rtpengines_format():
    call = Call()
    try:
        seq, ts = 1000, 16000
        for event, updates in ((5, 4), (11, 2)):
            for i in range(updates + 3):
                end = i >= updates
                duration = 160 * min(i + 1, updates + 1)
                payload = struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration)
                got = call.alice_sends_and_bob_gets(rtp(101, seq, ts, payload, marker=i == 0))
                check(got[12:] == payload, f"event packet not relayed as sent: {got!r}")
                seq += 1
            ts += 8000
        logged = []
        call.log_sink.settimeout(1)
        try:
            while True:
                logged.append(json.loads(call.log_sink.recv(4096)))
        except socket.timeout:
            pass
        check(len(logged) == 2, f"one datagram per digit expected: {logged}")
        first = logged[0]
        check(first["callid"] == call.call_id and first["source_tag"] == "alice-tag",
              f"call and sender: {first}")
        check(sorted(first["tags"]) == ["alice-tag", "bob-tag"], f"tags: {first}")
        check(first["type"] == "DTMF" and first["source_ip"] == "127.0.0.1", f"{first}")
        check(abs(first["timestamp"] - time.time()) < 10, f"timestamp: {first}")
        check((first["event"], first["duration"], first["volume"]) == (5, 100, 10), f"{first}")
        check((logged[1]["event"], logged[1]["duration"]) == (11, 60), f"{logged[1]}")
    finally:
        call.stop()


def test_play_dtmf_reaches_the_peer_as_telephone_events():
    call = Call()
    try:
        seq, ts = 2000, 50000
        call.alice_sends_and_bob_gets(rtp(0, seq, ts, b"\xd5" * 160))
        reply = kit.ng(call.ng_port, {"command": "play DTMF", "call-id": call.call_id,
                                      "from-tag": "alice-tag", "code": "19", "duration": 100,
                                      "pause": 100, "volume": 10})
        check(reply and reply.get("result") == "ok", f"play DTMF: {reply}")
        pattern, digits, seqs = "", "", []
        for _ in range(22):
            seq, ts = seq + 1, ts + 160
            got = call.alice_sends_and_bob_gets(rtp(0, seq, ts, b"\xd5" * 160))
            _, mpt, got_seq, got_ts, ssrc = struct.unpack("!BBHII", got[:12])
            check(ssrc == SSRC, f"SSRC {ssrc:#x}")
            seqs.append(got_seq)
            if mpt & 0x7f == 101:
                event, flags, duration = struct.unpack("!BBH", got[12:16])
                pattern += "E" if flags & 0x80 else "e"
                check(flags & 0x3f == 10, f"volume {flags & 0x3f}")
                if mpt & 0x80:
                    digits += "0123456789*#ABCD"[event]
            else:
                pattern += "a"
        check(seqs == list(range(seqs[0], seqs[0] + len(seqs))), f"sequence numbers: {seqs}")
        check(digits == "19", f"digits {digits!r}, packets {pattern}")
        check(pattern == "eeeeEEEaaaaaeeeeEEEaaa", f"packets {pattern}")
        # An unknown call is refused as rtpengine does.
        reply = kit.ng(call.ng_port, {"command": "play DTMF", "call-id": "nope",
                                      "from-tag": "alice-tag", "code": "1"})
        check(reply and reply.get("result") == "error", f"unknown call: {reply}")
    finally:
        call.stop()


if __name__ == "__main__":
    run_tests(tests_in(dict(globals())))
