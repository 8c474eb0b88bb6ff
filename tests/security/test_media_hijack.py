#!/usr/bin/env python3
"""Attack: a stranger steals or kills a call's media (docs/security.md, Media).

`rtcgate relay`, driven over ng as Kamailio would, carries calls between parties on 127.0.0.1; the
stranger sends from 127.0.0.2 (another host, as far as the relay can tell) and from other ports.

- Plain RTP: the stranger sprays both relay ports of a call with well-formed RTP and RTCP before
  the parties speak. Neither party's media may reach the stranger, and both must get each other's
  (the SDP's address is preferred; a NAT's address is learned only after the learning delay, and a
  party behind a NAT still is).
- DTLS-SRTP: a browser call (tests/tools/dtlspeer: ICE, DTLS, SRTP against a plain RTP phone) is
  flowing; after the relay freed its DTLS session (8 s) the stranger sends a forged ClientHello
  (one the relay refuses, one it would take) and junk DTLS records to every relay port of the
  call, from another host and from another port of the browser's. Media must keep flowing both ways, and the stranger must hear nothing.

Standard library only; every process and socket started here is stopped here.
"""
import json
import os
import socket
import struct
import subprocess
import threading
import time

import sinks  # noqa: F401  (puts tests/integration on the path)
import test_relay_kamailio as ngkit
from test_relay_packet_io import Relay as PacketIoRelay  # `rtcgate relay`, free ports
from siptest import check, parse_args, run_tests, tests_in

args = parse_args()
DTLSPEER = os.path.join(args.build_dir, "dtlspeer")
STRANGER_HOST = "127.0.0.2"
NAT_HOST = "127.0.0.3"
LEARNING_DELAY = 1.0  # media.learning_delay_ms default, seconds


class Relay(PacketIoRelay):
    """`rtcgate relay` with its ng port and 200 media ports, started and ready."""

    def __init__(self):
        super().__init__("auto")
        self.wait_started()

    def ng(self, **request):
        reply = ngkit.ng(self.ng_port, request)
        check(reply is not None and reply.get("result") == "ok", f"ng {request}: {reply}")
        return reply


def udp(host="127.0.0.1"):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.setblocking(False)
    return sock


def sdp(host, port):
    return (f"v=0\r\no=- 1 1 IN IP4 {host}\r\ns=-\r\nc=IN IP4 {host}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def media_port(reply):
    for line in reply["sdp"].splitlines():
        if line.startswith("m=audio "):
            return int(line.split()[1])
    raise AssertionError(f"no m=audio in {reply['sdp']!r}")


def rtp(sequence, ssrc, tag):
    header = struct.pack("!BBHII", 0x80, 0, sequence & 0xFFFF, sequence * 160, ssrc)
    return header + tag.encode().ljust(160, b"\0")


def drain(sock):
    packets = []
    while True:
        try:
            packets.append(sock.recv(2048))
        except BlockingIOError:
            return packets


def tags(packets):
    """How many packets carry each party's tag (the payload's first word)."""
    counts = {}
    for packet in packets:
        tag = packet[12:20].rstrip(b"\0").decode(errors="replace")
        counts[tag] = counts.get(tag, 0) + 1
    return counts


def talk(alice, alice_to, bob, bob_to, count, stranger=None, stranger_to=()):
    """alice and bob each send `count` packets 10 ms apart (the stranger sprays alongside);
    returns what each socket received."""
    got = {alice: [], bob: []}
    if stranger is not None:
        got[stranger] = []
    for sequence in range(count):
        alice.sendto(rtp(sequence, 0xA11CE, "alice"), ("127.0.0.1", alice_to))
        bob.sendto(rtp(sequence, 0xB0B, "bob"), ("127.0.0.1", bob_to))
        for port in stranger_to:
            stranger.sendto(rtp(sequence, 0xBAD, "stranger"), ("127.0.0.1", port))
        time.sleep(0.01)
        for sock in got:
            got[sock] += drain(sock)
    time.sleep(0.1)
    for sock in got:
        got[sock] += drain(sock)
    return got


def test_a_stranger_spraying_rtp_before_the_parties_never_gets_their_media():
    relay = Relay()
    alice, bob, stranger = udp(), udp(), udp(STRANGER_HOST)
    try:
        call = {"call-id": "spray", "from-tag": "alice", "flags": ["trust-address"]}
        to_bob = relay.ng(command="offer", sdp=sdp("127.0.0.1", alice.getsockname()[1]), **call)
        to_alice = relay.ng(command="answer", sdp=sdp("127.0.0.1", bob.getsockname()[1]),
                            **{"to-tag": "bob"}, **call)
        alice_to, bob_to = media_port(to_alice), media_port(to_bob)
        # The stranger gets there first: RTP with the call's payload type, and RTCP.
        for sequence in range(20):
            for port in (alice_to, bob_to):
                stranger.sendto(rtp(sequence, 0xBAD, "stranger"), ("127.0.0.1", port))
                stranger.sendto(struct.pack("!BBHI", 0x80, 201, 1, 0xBAD), ("127.0.0.1", port))
        time.sleep(0.05)
        got = talk(alice, alice_to, bob, bob_to, 50, stranger, (alice_to, bob_to))
        check(not got[stranger], f"the stranger got the call's media: {tags(got[stranger])}")
        check(tags(got[bob]).get("alice", 0) >= 45 and "stranger" not in tags(got[bob]),
              f"bob got {tags(got[bob])} of alice's 50")
        check(tags(got[alice]).get("bob", 0) >= 45 and "stranger" not in tags(got[alice]),
              f"alice got {tags(got[alice])} of bob's 50")
        # After the learning delay too: both ports have their peers.
        time.sleep(LEARNING_DELAY)
        got = talk(alice, alice_to, bob, bob_to, 20, stranger, (alice_to, bob_to))
        check(not got[stranger], f"the stranger got media later: {tags(got[stranger])}")
        check(tags(got[bob]).get("alice", 0) >= 18, f"bob later: {tags(got[bob])}")
    finally:
        for sock in (alice, bob, stranger):
            sock.close()
        relay.stop()


def test_a_party_behind_nat_is_still_learned():
    relay = Relay()
    alice, bob = udp(), udp(NAT_HOST)
    unused = udp()  # bob's SDP names this port of 127.0.0.1 ("his private address")
    try:
        call = {"call-id": "nat", "from-tag": "alice", "flags": ["trust-address"]}
        to_bob = relay.ng(command="offer", sdp=sdp("127.0.0.1", alice.getsockname()[1]), **call)
        to_alice = relay.ng(command="answer", sdp=sdp("127.0.0.1", unused.getsockname()[1]),
                            **{"to-tag": "bob"}, **call)
        # Bob's NAT changes his address: learned once his SDP's host stayed silent for a while.
        talk(alice, media_port(to_alice), bob, media_port(to_bob), int(LEARNING_DELAY * 100) + 20)
        got = talk(alice, media_port(to_alice), bob, media_port(to_bob), 50)
        check(tags(got[bob]).get("alice", 0) >= 45, f"bob behind NAT got {tags(got[bob])}")
        check(tags(got[alice]).get("bob", 0) >= 45, f"alice got {tags(got[alice])} from bob")
    finally:
        for sock in (alice, bob, unused):
            sock.close()
        relay.stop()


def client_hello(cipher=0xC02B):
    """A DTLS 1.2 ClientHello as a browser's starts: ECDHE-ECDSA (or `cipher`), P-256, use_srtp.
    With a cipher the relay does not take (0x0005, RC4) its handshake fails at once."""
    extensions = b"".join([
        struct.pack("!HHH H", 0x000A, 4, 2, 0x0017),  # supported_groups: secp256r1
        struct.pack("!HHB B", 0x000B, 2, 1, 0),  # ec_point_formats: uncompressed
        struct.pack("!HHH H", 0x000D, 4, 2, 0x0403),  # signature_algorithms: ecdsa_p256_sha256
        struct.pack("!HHH HH B", 0x000E, 7, 4, 0x0007, 0x0001, 0),  # use_srtp
    ])
    body = (b"\xfe\xfd" + os.urandom(32) + b"\x00" + b"\x00" + struct.pack("!H", 2) +
            struct.pack("!H", cipher) + b"\x01\x00" + struct.pack("!H", len(extensions)) + extensions)
    handshake = struct.pack("!B", 1) + len(body).to_bytes(3, "big") + struct.pack("!H", 0)
    handshake += (0).to_bytes(3, "big") + len(body).to_bytes(3, "big") + body
    return struct.pack("!BHHIH", 22, 0xFEFD, 0, 0, len(handshake)) + handshake


def junk_records():
    records = []
    for content_type in (20, 21, 22, 23):
        for epoch in (0, 1):
            payload = os.urandom(48)
            records.append(struct.pack("!BHHHIH", content_type, 0xFEFD, epoch, 0, 7, len(payload))
                           + payload)
    return records


def call_ports(relay):
    """{local port: protocol} of every stream of the relay's one call, and the browser's port."""
    calls = relay.ng(command="list")["calls"]
    check(len(calls) == 1, f"calls: {calls}")
    reply = relay.ng(command="query", **{"call-id": calls[0]})
    ports, browser = {}, None
    for party in reply["tags"].values():
        for media in party["medias"]:
            for stream in media["streams"]:
                ports[stream["local port"]] = media["protocol"]
                if media["protocol"].startswith("UDP/TLS") and browser is None:
                    browser = stream["local port"]
    return calls[0], ports, browser


def packets_taken(relay, call_id):
    """Packets the relay took from the browser (authenticated SRTP) and from the phone."""
    reply = relay.ng(command="query", **{"call-id": call_id})
    counts = {}
    for party in reply["tags"].values():
        media = party["medias"][0]
        kind = "browser" if media["protocol"].startswith("UDP/TLS") else "phone"
        counts[kind] = media["streams"][0]["stats"]["packets"]
    return counts


def test_a_forged_client_hello_never_kills_a_browser_call():
    relay = Relay()
    strangers = [udp(STRANGER_HOST), udp()]
    rate, duration, attack_at = 100, 13.0, 9.5  # the relay frees its DTLS session 8 s after
    peer = subprocess.Popen([DTLSPEER, "--ng", f"127.0.0.1:{relay.ng_port}", "--sessions", "1",
                             "--rate", str(rate), "--duration", str(duration)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stderr = []
    reader = threading.Thread(target=lambda: stderr.extend(peer.stderr), daemon=True)
    reader.start()
    try:
        deadline = time.time() + 30
        while not any(b"sessions ready" in line for line in stderr):
            check(peer.poll() is None and time.time() < deadline,
                  f"dtlspeer did not get ready: {b''.join(stderr).decode(errors='replace')}")
            time.sleep(0.02)
        ready = time.time()
        call_id, ports, browser = call_ports(relay)
        check(browser is not None, f"no WebRTC leg in {ports}")
        time.sleep(max(0.0, ready + attack_at - time.time()))
        before = packets_taken(relay, call_id)
        for stranger in strangers:
            for port in ports:
                for hello in (client_hello(0x0005), client_hello()):
                    stranger.sendto(hello, ("127.0.0.1", port))
                for record in junk_records():
                    stranger.sendto(record, ("127.0.0.1", port))
        time.sleep(2.5)
        after = packets_taken(relay, call_id)
        expected = rate / 2 * 2.5
        for kind in ("browser", "phone"):
            check(after[kind] - before[kind] >= 0.8 * expected,
                  f"{kind}'s media stopped after the forged ClientHello: {before} -> {after}")
        out = peer.stdout.read()
        peer.wait(30)
        reader.join(5)
        check(peer.returncode == 0, f"dtlspeer exited {peer.returncode}: {stderr}")
        result = json.loads(out.decode().strip().splitlines()[-1])
        for direction in ("browser_to_phone", "phone_to_browser"):
            leg = result[direction]
            check(leg["received"] >= 0.97 * leg["sent"],
                  f"{direction}: {leg['received']} of {leg['sent']} arrived: {result}")
        check(result["srtp_failures"] == 0, f"SRTP failures at the browser: {result}")
        for stranger in strangers:
            check(not drain(stranger), "the relay answered the stranger's DTLS")
    finally:
        if peer.poll() is None:
            peer.kill()
            peer.wait()
        for stranger in strangers:
            stranger.close()
        relay.stop()


if __name__ == "__main__":
    run_tests(tests_in(dict(globals())))
