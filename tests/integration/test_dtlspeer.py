#!/usr/bin/env python3
"""Smoke test of tests/tools/dtlspeer, the DTLS-SRTP load peer of the WebRTC relay benchmark.

A few bridged sessions through `rtcgate relay` (and through Debian's rtpengine-daemon when it is
installed, since the benchmark compares the two): the peer must complete ICE and DTLS on every
browser leg, and a second of SRTP one way and RTP the other must arrive, authenticated, decrypted
and in the session it was sent into. Keeps the tool from rotting between benchmark runs.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench", "relay"))
import run_bench  # noqa: E402  (Relay: starts rtcgate relay or rtpengine with a port range)

SESSIONS = 4
RATE = 400  # packets per second into the relay, both directions
DURATION = 1.0


def check(kind, binary, dtlspeer, workdir, port_min):
    relay = run_bench.Relay(kind, binary, workdir, port_min, port_min + 199)
    try:
        out = subprocess.run([dtlspeer, "--ng", "127.0.0.1:%d" % relay.ng_port, "--sessions",
                              str(SESSIONS), "--rate", str(RATE), "--duration", str(DURATION)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    finally:
        relay.stop()
    print("%s: %s" % (kind, out.stderr.decode().strip()))
    if out.returncode != 0:
        with open(os.path.join(workdir, "%s.log" % kind), "rb") as f:
            print("---- %s log (tail) ----\n%s" % (kind, f.read().decode(errors="replace")[-3000:]))
        return "%s: dtlspeer exited %d" % (kind, out.returncode)
    result = json.loads(out.stdout.decode().strip().splitlines()[-1])
    print("%s: %s" % (kind, json.dumps(result)))
    for direction in ("browser_to_phone", "phone_to_browser"):
        leg = result[direction]
        if leg["sent"] < RATE * DURATION / 2 * 0.9 or leg["received"] < leg["sent"] * 0.95:
            return "%s: %s lost packets: %r" % (kind, direction, leg)
    if result["srtp_failures"] or result["wrong_session"] or result["protect_failures"]:
        return "%s: bad packets: %r" % (kind, result)
    if result["profile"] == "none":
        return "%s: no SRTP profile negotiated" % kind
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--build-dir", required=True)
    args = parser.parse_args()
    dtlspeer = os.path.join(os.path.abspath(args.build_dir), "dtlspeer")
    if not os.path.exists(dtlspeer):
        print("FAIL: %s not built" % dtlspeer, file=sys.stderr)
        return 1
    workdir = tempfile.mkdtemp(prefix="rtcgate-dtlspeer-")
    targets = [("rtcgate", os.path.abspath(args.binary))]
    if shutil.which("rtpengine"):
        targets.append(("rtpengine", shutil.which("rtpengine")))
    else:
        print("rtpengine-daemon not installed: only rtcgate relay is checked")
    errors = []
    for index, (kind, binary) in enumerate(targets):
        error = check(kind, binary, dtlspeer, workdir, 41000 + 400 * index)
        if error:
            errors.append(error)
    if errors:
        print("FAIL: " + "; ".join(errors), file=sys.stderr)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    print("PASS: dtlspeer ICE + DTLS-SRTP <-> RTP through %s" % ", ".join(k for k, _ in targets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
