#!/usr/bin/env python3
"""Flood benchmark (docs/security.md, docs/BENCHMARKS.md): one source floods rtcgate with
unauthenticated INVITEs while a second source places authenticated calls through a route to a
sipp UAS. Prints the share of legitimate calls that completed, the flood actually sent, what
rtcgate dropped, and rtcgate's RSS before, at its highest and after.

  bench/sip/flood_bench.py --binary build/rtcgate [--flood-rate 20000] [--call-rate 50]
                           [--seconds 20]
"""
import argparse
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
from siptest import Gateway, free_port  # noqa: E402

SCENARIOS = os.path.join(HERE, "..", "..", "tests", "integration", "scenarios")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def flood_packets(target_port, count=4096):
    """Distinct unauthenticated INVITEs (Call-ID, branch, user) from a stranger, made up front so
    that sending costs one sendto each."""
    packets = []
    for i in range(count):
        branch, call_id = secrets.token_hex(8), secrets.token_hex(10)
        packets.append((f"INVITE sip:user{i}@localhost SIP/2.0\r\n"
                        f"Via: SIP/2.0/UDP 127.0.0.2:5999;branch=z9hG4bK{branch}\r\n"
                        "Max-Forwards: 70\r\nFrom: <sip:m@evil.test>;tag=f\r\n"
                        f"To: <sip:user{i}@localhost>\r\nCall-ID: {call_id}\r\n"
                        "CSeq: 1 INVITE\r\nContact: <sip:m@127.0.0.2:5999>\r\n"
                        "Content-Length: 0\r\n\r\n").encode())
    return packets


def flood(port, rate, seconds, sent):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.2", 0))
    sock.setblocking(False)
    packets = flood_packets(port)
    start = time.monotonic()
    n = 0
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
        due = int(elapsed * rate)
        while n < due:
            try:
                sock.sendto(packets[n % len(packets)], ("127.0.0.1", port))
            except BlockingIOError:
                pass
            n += 1
        time.sleep(0.001)
    sent.append(n)
    sock.close()


def metric(gateway, name):
    status, body = gateway.http("GET", "/metrics")
    match = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", body, re.M)
    return float(match.group(1)) if match else 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--flood-rate", type=int, default=20000)
    parser.add_argument("--call-rate", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()

    uas_port = free_port()
    # sipp answers only the first challenge, and only MD5.
    gateway = Gateway(args.binary, transports=("udp",), auth_algorithms="[md5, sha-256]",
                      extra_yaml="routes:\n  - { match: '^9[0-9]+$', to: "
                                 f"[sip:127.0.0.1:{uas_port}] }}\n")
    with open(gateway.config) as f:
        text = f.read().replace("log: { level: debug }", "log: { level: warn }")
    with open(gateway.config, "w") as f:
        f.write(text)
    gateway.start()
    workdir = tempfile.mkdtemp(prefix="flood-bench-")
    calls = args.call_rate * args.seconds
    try:
        pid = gateway.process.proc.pid
        rss_before = rss_kib(pid)
        cpu_before = cpu_seconds(pid)
        uas = subprocess.Popen(["sipp", "-sf", os.path.join(SCENARIOS, "uas_answer.xml"), "-i",
                                "127.0.0.1", "-p", str(uas_port), "-nostdin"], cwd=workdir,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        sent = []
        flooder = threading.Thread(target=flood, args=(gateway.ports["udp"], args.flood_rate,
                                                       args.seconds + 2, sent))
        flooder.start()
        time.sleep(1)
        uac = subprocess.Popen(["sipp", f"127.0.0.1:{gateway.ports['udp']}", "-sf",
                                os.path.join(SCENARIOS, "uac_call.xml"), "-i", "127.0.0.1",
                                "-p", str(free_port()), "-s", "9001", "-au", "alice", "-ap",
                                "alicepw", "-auth_uri", "9001@localhost", "-r",
                                str(args.call_rate), "-m", str(calls), "-nostdin",
                                "-timeout", f"{args.seconds + 30}s"],
                               cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
        peak = rss_before
        output = []
        reader = threading.Thread(target=lambda: output.append(uac.stdout.read()))
        reader.start()
        while uac.poll() is None:
            peak = max(peak, rss_kib(pid))
            time.sleep(0.2)
        reader.join()
        flooder.join()
        rss_after = rss_kib(pid)
        cpu = cpu_seconds(pid) - cpu_before
        uas.terminate()
        uas.wait(5)
        text = "".join(output)
        ok = re.findall(r"Successful call\s+\|\s+\d+\s+\|\s+(\d+)", text)
        completed = int(ok[-1]) if ok else 0
        print(f"flood: {sent[0]} INVITEs from 127.0.0.2 in {args.seconds + 2} s "
              f"({sent[0] / (args.seconds + 2):.0f}/s)")
        print(f"rate-limited (dropped unanswered): "
              f"{metric(gateway, 'rtcgate_proxy_rate_limited_total'):.0f}")
        print(f"legitimate calls: {completed} of {calls} completed at {args.call_rate}/s "
              f"({100.0 * completed / calls:.1f}%)")
        print(f"rtcgate CPU: {cpu:.2f} s over the run")
        print(f"rtcgate RSS: {rss_before} KiB before, {peak} KiB at most, {rss_after} KiB after")
        return 0 if completed >= 0.99 * calls else 1
    finally:
        gateway.stop()
        gateway.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
