#!/usr/bin/env python3
"""Captures a relay's ng query and delete replies for one call with known traffic, as golden files
for tests/unit/media/NgCallStats_test.cpp.

Usage: capture_ng_stats.py --relay rtpengine|rtcgate [--binary build/rtcgate] --out DIR

Starts the relay on loopback (rtpengine-daemon with --table=-1, or `rtcgate relay`), sets up one
plain RTP/AVP call between two local sockets (caller tag "caller-tag", callee tag "callee-tag"),
then sends through it:
  caller -> callee: 200 RTP packets, SSRC 0x11111111, sequence numbers 1000.. with 10 skipped
  callee -> caller: 100 RTP packets, SSRC 0x22222222, none skipped
  RTCP: the callee reports on the caller's SSRC (cumulative loss 10, fraction 12/256, jitter 80
  timestamp units = 10 ms at 8 kHz), the caller reports on the callee's (loss 0, jitter 40), each
  with a sender report first, so that rtpengine has report blocks (its per-SSRC statistics and
  MOS exist only with RTCP).
and writes <relay>_query.bencode and <relay>_delete.bencode (the reply dictionaries, cookie
stripped). Every process started here is stopped here, by PID.
"""
import argparse
import itertools
import os
import shutil
import socket
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import test_relay_kamailio as kit  # noqa: E402

COOKIES = itertools.count()
CALLER_SSRC = 0x11111111
CALLEE_SSRC = 0x22222222


def sdp(port, session):
    return ("v=0\r\no=- %d 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n" % (session, port))


def media_port(reply_sdp):
    for line in reply_sdp.split("\r\n"):
        if line.startswith("m=audio "):
            return int(line.split()[1])
    raise RuntimeError("no m=audio in %r" % reply_sdp)


def rtp(seq, timestamp, ssrc):
    return struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, timestamp, ssrc) + b"\xff" * 160


def ntp_now():
    now = time.time() + 2208988800
    return int(now), int((now % 1) * (1 << 32))


def rtcp_sr_rr(sender, packets, about, lost, fraction, highest, jitter, last_sr):
    """An SR of `sender` with one report block about `about`, echoing `last_sr` (the NTP middle
    32 bits of the last SR received and when it arrived) so that rtpengine can compute the round
    trip; returns the packet and its own NTP middle bits."""
    seconds, fraction_ntp = ntp_now()
    body = struct.pack("!IIIIII", sender, seconds, fraction_ntp, 0, packets, packets * 160)
    lsr, received = last_sr
    dlsr = int((time.time() - received) * 65536) if lsr else 0
    block = struct.pack("!IIIIII", about, (fraction << 24) | (lost & 0xFFFFFF), highest, jitter,
                        lsr, dlsr)
    payload = body + block
    header = struct.pack("!BBH", 0x81, 200, (len(payload) + 4) // 4 - 1)
    middle = ((seconds & 0xFFFF) << 16) | (fraction_ntp >> 16)
    return header + payload, middle


def sdes(ssrc):
    cname = b"capture"
    item = struct.pack("!BB", 1, len(cname)) + cname + b"\x00"
    chunk = struct.pack("!I", ssrc) + item
    chunk += b"\x00" * ((4 - len(chunk) % 4) % 4)
    return struct.pack("!BBH", 0x81, 202, (len(chunk) + 4) // 4 - 1) + chunk


def bind_pair():
    while True:
        port = kit.free_udp_port(even=True)
        rtp_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rtcp_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            rtp_sock.bind(("127.0.0.1", port))
            rtcp_sock.bind(("127.0.0.1", port + 1))
            return port, rtp_sock, rtcp_sock
        except OSError:
            rtp_sock.close()
            rtcp_sock.close()


def start_relay(kind, binary, processes, workdir):
    port = kit.free_udp_port()
    if kind == "rtpengine":
        processes.start("rtpengine", [
            "rtpengine", "--config-file=none", "--foreground", "--table=-1",
            "--interface=127.0.0.1", "--listen-ng=127.0.0.1:%d" % port, "--port-min=43000",
            "--port-max=43999", "--log-stderr", "--no-fallback",
            "--pidfile=" + os.path.join(workdir, "rtpe.pid")])
    else:
        with open(os.path.join(workdir, "relay.yaml"), "w") as f:
            f.write("relay:\n  listen: [udp://127.0.0.1:%d]\nmedia:\n  ports: 43000-43999\n" % port)
        processes.start("relay", [binary, "relay", "--config", os.path.join(workdir, "relay.yaml")])
    deadline = time.time() + 10
    while (kit.ng(port, {"command": "ping"}, timeout=0.3, tries=1) or {}).get("result") != "pong":
        if time.time() > deadline:
            raise RuntimeError("%s did not answer ng ping" % kind)
    return port


def ng_raw(port, request):
    """The reply's bencode bytes as received (cookie stripped)."""
    # A new cookie per request: rtpengine answers a known cookie from its reply cache.
    cookie = b"capture_%d_%d" % (os.getpid(), next(COOKIES))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        sock.sendto(cookie + b" " + kit.bencode(request), ("127.0.0.1", port))
        while True:
            data, _ = sock.recvfrom(65536)
            got, _, body = data.partition(b" ")
            if got == cookie:
                return body


def capture(kind, binary, out):
    workdir = tempfile.mkdtemp(prefix="rtcgate-capture-")
    processes = kit.Processes(workdir)
    try:
        port = start_relay(kind, binary, processes, workdir)
        a_port, a_rtp, a_rtcp = bind_pair()
        b_port, b_rtp, b_rtcp = bind_pair()
        call = {"call-id": "capture-call", "from-tag": "caller-tag"}
        offer = kit.ng(port, dict(call, command="offer", sdp=sdp(a_port, 1),
                                  flags=["trust-address"]))
        answer = kit.ng(port, dict(call, command="answer", sdp=sdp(b_port, 2),
                                   flags=["trust-address"], **{"to-tag": "callee-tag"}))
        if not offer or offer.get("result") != "ok" or not answer or answer.get("result") != "ok":
            raise RuntimeError("offer/answer failed: %r %r" % (offer, answer))
        to_callee = media_port(answer["sdp"])  # where the caller sends
        to_caller = media_port(offer["sdp"])  # where the callee sends
        sent = 0
        for i in range(210):
            if 100 <= i < 110:
                continue  # 10 lost on the way from the caller
            a_rtp.sendto(rtp(1000 + i, 160 * i, CALLER_SSRC), ("127.0.0.1", to_callee))
            sent += 1
            if i < 100:
                b_rtp.sendto(rtp(5000 + i, 160 * i, CALLEE_SSRC), ("127.0.0.1", to_caller))
            time.sleep(0.002)
        time.sleep(0.2)
        a_sr = b_sr = (0, 0)  # the last SR each side received: NTP middle bits, arrival
        for _ in range(3):  # rtpengine keeps one report block per second and SSRC
            packet, a_ntp = rtcp_sr_rr(CALLER_SSRC, sent, CALLEE_SSRC, 0, 0, 5099, 40, a_sr)
            a_rtcp.sendto(packet + sdes(CALLER_SSRC), ("127.0.0.1", to_callee + 1))
            b_sr = (a_ntp, time.time())
            time.sleep(0.05)
            packet, b_ntp = rtcp_sr_rr(CALLEE_SSRC, 100, CALLER_SSRC, 10, 12, 1209, 80, b_sr)
            b_rtcp.sendto(packet + sdes(CALLEE_SSRC), ("127.0.0.1", to_caller + 1))
            a_sr = (b_ntp, time.time())
            time.sleep(1.1)
        query = ng_raw(port, dict(command="query", **{"call-id": "capture-call"}))
        delete = ng_raw(port, dict(command="delete", **{"call-id": "capture-call"}))
        for name, body in (("query", query), ("delete", delete)):
            path = os.path.join(out, "%s_%s.bencode" % (kind, name))
            with open(path, "wb") as f:
                f.write(body)
            print("wrote %s (%d bytes)" % (path, len(body)))
    finally:
        processes.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--relay", choices=["rtpengine", "rtcgate"], required=True)
    parser.add_argument("--binary", default="build/rtcgate")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    capture(args.relay, os.path.abspath(args.binary), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
