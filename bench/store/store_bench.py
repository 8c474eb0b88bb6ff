#!/usr/bin/env python3
"""What durability costs: rtcgate with `store_sync: normal` and `store_sync: full` under the same
load, same machine, same run. Every REGISTER answered 200 is a committed write of its binding
(on the signalling loop), every ended call a committed CDR; with `full` each commit also waits
for an fsync of SQLite's WAL. Prints, per setting: REGISTER round-trip latency one at a time
(p50/p99, which is the write's cost on the loop), registrations per second with 64 in flight,
rtcgate's CPU-seconds per 1000 registrations and per 1000 calls (sipp UAC -> rtcgate -> sipp
UAS, each call one CDR).

  bench/store/store_bench.py --binary build/rtcgate [--registrations 3000] [--calls 2000]
                             [--rate 200] [--dir DIR]

The store lives under --dir (default: a temporary directory under /var/tmp): put it on the disk
the gateway would use, since an fsync on tmpfs costs nothing.
"""
import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "sip"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration"))
from proxy_bench import SECURITY_YAML, run_load, tree_cpu  # noqa: E402
from siptest import Process, free_port  # noqa: E402


def start(binary, workdir, sync):
    port, uas_port, http_port = free_port(), free_port(), free_port(both=False)
    config = os.path.join(workdir, "rtcgate.yaml")
    with open(config, "w") as f:
        f.write(f"node: {{ data_dir: {workdir}/data }}\nlog: {{ level: warn }}\n"
                f"sip: {{ listen: [udp://127.0.0.1:{port}], auth: false }}\n"
                f"http: {{ listen: 127.0.0.1:{http_port} }}\n"
                f"calls: {{ cdr_file: 'off' }}\n"
                f"routes: [ {{ match: '^[0-9]+$', to: [sip:127.0.0.1:{uas_port}] }} ]\n"
                f"store_sync: {sync}\n" + SECURITY_YAML)
    process = Process([binary, "run", "--config", config], os.path.join(workdir, "rtcgate.log"))
    time.sleep(1)
    if process.proc.poll() is not None:
        sys.exit(f"rtcgate did not start:\n{process.output()}")
    return process, port, uas_port, http_port


def register_request(port, local_port, user, call_id):
    return (f"REGISTER sip:localhost SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{local_port};branch=z9hG4bK{secrets.token_hex(8)};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:{user}@localhost>;tag={secrets.token_hex(4)}\r\n"
            f"To: <sip:{user}@localhost>\r\nCall-ID: {call_id}\r\nCSeq: 1 REGISTER\r\n"
            f"Contact: <sip:{user}@127.0.0.1:{local_port}>\r\nExpires: 3600\r\n"
            f"Content-Length: 0\r\n\r\n").encode()


def registrations(port, count, window, prefix):
    """Sends `count` REGISTERs of distinct users with `window` in flight; returns (answered 200,
    seconds, round-trip times)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2)
    local_port = sock.getsockname()[1]
    sent_at, rtts, ok, next_index = {}, [], 0, 0
    started = time.perf_counter()
    while ok < count:
        while next_index < count and len(sent_at) < window:
            call_id = f"{prefix}-{next_index}"
            sent_at[call_id] = time.perf_counter()
            sock.sendto(register_request(port, local_port, f"{prefix}{next_index}", call_id),
                        ("127.0.0.1", port))
            next_index += 1
        try:
            data = sock.recv(65535).decode(errors="replace")
        except socket.timeout:
            break
        call_id = next((line.split(":", 1)[1].strip() for line in data.split("\r\n")
                        if line.lower().startswith("call-id:")), None)
        if call_id in sent_at and data.startswith("SIP/2.0 200"):
            rtts.append(time.perf_counter() - sent_at.pop(call_id))
            ok += 1
    sock.close()
    return ok, time.perf_counter() - started, rtts


def cdr_count(http_port):
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/api/v1/cdrs?limit=10000") as reply:
        return len(json.load(reply)["cdrs"])


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def measure(binary, base, sync, args):
    workdir = tempfile.mkdtemp(prefix=f"store-bench-{sync}-", dir=base)
    process, port, uas_port, http_port = start(binary, workdir, sync)
    pid = process.proc.pid
    result = {"sync": sync}
    _, _, serial = registrations(port, min(500, args.registrations), 1, "serial")
    result["rtt_p50_us"] = 1e6 * statistics.median(serial)
    result["rtt_p99_us"] = 1e6 * percentile(serial, 0.99)
    before = tree_cpu(pid)
    ok, seconds, _ = registrations(port, args.registrations, 64, "burst")
    result["reg_ok"] = ok
    result["reg_per_s"] = ok / seconds
    result["reg_cpu_per_1000"] = 1000 * (tree_cpu(pid) - before) / max(ok, 1)
    before = tree_cpu(pid)
    calls_ok, calls_failed = run_load(port, uas_port, args.calls, args.rate, workdir)
    result["calls_ok"], result["calls_failed"] = calls_ok, calls_failed
    result["call_cpu_per_1000"] = 1000 * (tree_cpu(pid) - before) / max(calls_ok, 1)
    time.sleep(1)  # the last CDRs wait for the relay's media report
    result["cdrs"] = cdr_count(http_port)
    process.stop()
    shutil.rmtree(workdir, ignore_errors=True)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="build/rtcgate")
    parser.add_argument("--registrations", type=int, default=3000)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=200, help="calls per second")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--dir", default="/var/tmp")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    fs = subprocess.run(["df", "-T", args.dir], capture_output=True, text=True).stdout
    print(f"store under {args.dir}: {fs.splitlines()[-1].split()[1] if fs else '?'}")
    print(f"{'sync':6s} {'rtt p50 us':>11s} {'rtt p99 us':>11s} {'reg/s':>8s} "
          f"{'CPU-s/1k reg':>13s} {'CPU-s/1k calls':>15s} {'calls ok/failed':>16s} {'CDRs':>6s}")
    for _ in range(args.repeat):
        for sync in ("normal", "full"):
            r = measure(binary, args.dir, sync, args)
            print(f"{r['sync']:6s} {r['rtt_p50_us']:11.0f} {r['rtt_p99_us']:11.0f} "
                  f"{r['reg_per_s']:8.0f} {r['reg_cpu_per_1000']:13.3f} "
                  f"{r['call_cpu_per_1000']:15.3f} {r['calls_ok']:>8d}/{r['calls_failed']:<7d} "
                  f"{r['cdrs']:6d}", flush=True)


if __name__ == "__main__":
    main()
