#!/usr/bin/env python3
"""Transcoding through `rtcgate relay` when the legs share no codec (ng codec transcode).

Alice offers only PCMA (8) with `codec: {transcode: [PCMU]}`; the offer toward bob must list
PCMU (0) too. Bob answers only PCMU: the answer toward alice must be PCMA again. Alice's 1 kHz
PCMA tone must reach bob as PCMU whose decoded audio is a 1 kHz tone (G.711 and a Goertzel filter
written here), and bob's 440 Hz PCMU tone must reach alice as PCMA. The relay reports the call as
transcoded (query `transcoded`, statistics `transcodedmedia` and `transcodedpackets`). A call whose
answer picks the shared codec passes its packets unchanged and transcodes none.
"""
import math
import random
import socket
import struct
import tempfile

from siptest import check, free_port, parse_args, run_tests, tests_in

import relayprocs
import test_relay_kamailio as kit  # ng client
import test_relay_recording as recording  # G.711 mu-law encoding

args = parse_args()
WORKDIR = tempfile.mkdtemp(prefix="relay-transcode-")
SSRC = 0x7C0DE
RATE = 8000
FRAME = 160  # 20 ms at 8 kHz


# --- G.711 (ITU-T G.711; mu-law encoding is test_relay_recording's) ---------------------------

def ulaw_decode(byte):
    byte = ~byte & 0xff
    magnitude = ((((byte & 0x0f) << 3) + 0x84) << ((byte >> 4) & 0x07)) - 0x84
    return -magnitude if byte & 0x80 else magnitude


def alaw_encode(sample):
    sign = 0x80 if sample >= 0 else 0
    magnitude = min(abs(sample), 32767) >> 3
    if magnitude < 32:
        code = magnitude >> 1
    else:
        exponent = magnitude.bit_length() - 5
        code = (exponent << 4) | ((magnitude >> exponent) & 0x0f)
    return (sign | code) ^ 0x55


def alaw_decode(byte):
    byte ^= 0x55
    exponent = (byte >> 4) & 0x07
    mantissa = byte & 0x0f
    if exponent == 0:
        magnitude = (mantissa << 4) + 8
    else:
        magnitude = ((mantissa << 4) + 0x108) << (exponent - 1)
    return magnitude if byte & 0x80 else -magnitude


def goertzel_power(samples, frequency):
    coefficient = 2 * math.cos(2 * math.pi * frequency / RATE)
    previous = before = 0.0
    for sample in samples:
        previous, before = sample + coefficient * previous - before, previous
    return previous * previous + before * before - coefficient * previous * before


def tone(frequency, start, count, amplitude=8000):
    return [int(amplitude * math.sin(2 * math.pi * frequency * (start + i) / RATE))
            for i in range(count)]


def dominant(samples, candidates=(440, 1000, 2000, 3000)):
    powers = {f: goertzel_power(samples, f) for f in candidates}
    return max(powers, key=powers.get), powers


# --- a call through the relay ---------------------------------------------------------------

def sdp(port, formats):
    names = {0: "PCMU/8000", 8: "PCMA/8000"}
    lines = "".join(f"a=rtpmap:{pt} {names[pt]}\r\n" for pt in formats)
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP {' '.join(map(str, formats))}\r\n{lines}a=ptime:20\r\n"
            f"a=rtcp:{port}\r\n")


def formats_of(reply):
    check(reply and reply.get("result") == "ok", f"ng reply: {reply}")
    for line in reply["sdp"].split("\r\n"):
        if line.startswith("m=audio "):
            return int(line.split()[1]), [int(f) for f in line.split()[3:]]
    raise AssertionError(f"no m=audio in {reply['sdp']}")


def udp():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2)
    return sock


def rtp(pt, seq, ts, payload):
    return struct.pack("!BBHII", 0x80, pt, seq & 0xffff, ts & 0xffffffff, SSRC) + payload


class Relay:
    def __init__(self):
        self.ng_port = free_port(both=False)
        self.proc = relayprocs.start_relay(args.binary, WORKDIR, self.ng_port)

    def ng(self, request):
        return kit.ng(self.ng_port, request)

    def statistics(self):
        reply = self.ng({"command": "statistics"})
        check(reply and reply.get("result") == "ok", f"statistics: {reply}")
        return reply["statistics"]

    def stop(self):
        self.proc.terminate()
        check(self.proc.wait(10) == 0, f"relay exit status {self.proc.returncode}")


class Call:
    """alice (PCMA only, asking for PCMU) calls bob, who answers with `bob_formats`."""

    def __init__(self, relay, bob_formats):
        self.relay = relay
        self.alice, self.bob = udp(), udp()
        self.call_id = "transcode-%d" % random.randrange(1 << 30)
        offer = relay.ng({"command": "offer", "call-id": self.call_id, "from-tag": "alice-tag",
                          "sdp": sdp(self.alice.getsockname()[1], [8]),
                          "codec": {"transcode": ["PCMU"]}, "flags": ["trust-address"]})
        self.bob_sends, self.offered_to_bob = formats_of(offer)
        answer = relay.ng({"command": "answer", "call-id": self.call_id, "from-tag": "alice-tag",
                           "to-tag": "bob-tag", "sdp": sdp(self.bob.getsockname()[1], bob_formats),
                           "flags": ["trust-address"]})
        self.alice_sends, self.answered_to_alice = formats_of(answer)

    def exchange(self, sender, port, receiver, packets):
        """Sends each packet and returns what arrives for each (None when nothing did)."""
        received = []
        for packet in packets:
            sender.sendto(packet, ("127.0.0.1", port))
            try:
                received.append(receiver.recvfrom(2048)[0])
            except socket.timeout:
                received.append(None)
        return received


def tone_packets(pt, encode, frequency, count, seq=100, ts=8000):
    return [rtp(pt, seq + i, ts + i * FRAME,
                bytes(encode(s) for s in tone(frequency, i * FRAME, FRAME)))
            for i in range(count)]


def decoded(packets, pt, decode):
    samples = []
    for data in packets:
        if data is None:
            continue
        check(data[1] & 0x7f == pt, f"payload type {data[1] & 0x7f}, expected {pt}")
        samples.extend(decode(b) for b in data[12:])
    return samples


def test_pcma_caller_and_pcmu_callee_hear_each_other_through_the_transcoder():
    relay = Relay()
    try:
        call = Call(relay, [0])
        check(call.offered_to_bob == [8, 0], f"offer toward bob: {call.offered_to_bob}")
        check(call.answered_to_alice == [8], f"answer toward alice: {call.answered_to_alice}")
        to_bob = call.exchange(call.alice, call.alice_sends, call.bob,
                               tone_packets(8, alaw_encode, 1000, 25))
        got = [p for p in to_bob if p is not None]
        check(len(got) >= 20, f"bob got {len(got)} of 25 packets")
        check(all(len(p) == 12 + FRAME for p in got), f"sizes {[len(p) for p in got]}")
        samples = decoded(got, 0, ulaw_decode)
        frequency, powers = dominant(samples[FRAME:])
        check(frequency == 1000, f"bob hears {frequency} Hz: {powers}")
        check(struct.unpack("!I", got[0][8:12])[0] != SSRC, "bob's packets keep alice's SSRC")
        to_alice = call.exchange(call.bob, call.bob_sends, call.alice,
                                 tone_packets(0, recording.ulaw, 440, 25, seq=7000, ts=90000))
        got = [p for p in to_alice if p is not None]
        check(len(got) >= 20, f"alice got {len(got)} of 25 packets")
        frequency, powers = dominant(decoded(got, 8, alaw_decode)[FRAME:])
        check(frequency == 440, f"alice hears {frequency} Hz: {powers}")
        query = relay.ng({"command": "query", "call-id": call.call_id})
        check(query and query.get("result") == "ok", f"query: {query}")
        streams = [s for tag in query["tags"].values() for m in tag["medias"]
                   for s in m["streams"] if "RTP" in s["flags"]]
        check(streams and all(s.get("transcoded") == "true" for s in streams),
              f"query streams: {streams}")
        stats = relay.statistics()
        check(stats["currentstatistics"]["transcodedmedia"] == 1, f"{stats['currentstatistics']}")
        check(stats["totalstatistics"]["transcodedpackets"] >= 50, f"{stats['totalstatistics']}")
        relay.ng({"command": "delete", "call-id": call.call_id})
        check(relay.statistics()["currentstatistics"]["transcodedmedia"] == 0,
              "the deleted call is still counted as transcoded")
    finally:
        relay.stop()


def test_shared_codec_passes_packets_unchanged():
    relay = Relay()
    try:
        call = Call(relay, [8])
        check(call.answered_to_alice == [8], f"answer toward alice: {call.answered_to_alice}")
        sent = tone_packets(8, alaw_encode, 1000, 10)
        got = call.exchange(call.alice, call.alice_sends, call.bob, sent)
        check(got == sent, "packets changed on the pass-through path")
        stats = relay.statistics()
        check(stats["currentstatistics"]["transcodedmedia"] == 0, f"{stats['currentstatistics']}")
        check(stats["totalstatistics"]["transcodedpackets"] == 0, f"{stats['totalstatistics']}")
    finally:
        relay.stop()


if __name__ == "__main__":
    run_tests(tests_in(dict(globals())))
