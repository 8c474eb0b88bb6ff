#!/usr/bin/env python3
"""Instructions per proxied call, counted by callgrind: a repeatable measure of the signalling
cost (CPU-seconds on a shared VM vary by 10-15% from run to run; instruction counts do not).

Each binary runs the proxy_bench.py set-up (sipp UAC -> rtcgate -> sipp UAS, INVITE/180/200/ACK/
BYE with Record-Route, no auth) under `valgrind --tool=callgrind` twice, with N and 2N calls at a
low rate; the difference of the two totals divided by N is the cost of one call without start-up.

  bench/sip/call_instructions.py --binary build/rtcgate [--baseline OLD_BUILD] [--calls 200]
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proxy_bench  # noqa: E402
from siptest import free_port  # noqa: E402


def total_instructions(out_dir):
    """The instructions counted in the callgrind files of out_dir (one per process and thread)."""
    total = 0
    for path in glob.glob(os.path.join(out_dir, "callgrind.out.*")):
        with open(path, errors="replace") as f:
            match = re.search(r"^(?:summary|totals):\s+(\d+)", f.read(), re.M)
        if match:
            total += int(match.group(1))
    return total


def wrapper(binary, out_dir):
    """An executable that runs `binary` under callgrind, its output files in out_dir."""
    # Without its debug sections: valgrind would spend a minute reading them at start.
    stripped = os.path.join(out_dir, "rtcgate")
    subprocess.run(["strip", "-o", stripped, binary], check=True)
    binary = stripped
    path = os.path.join(out_dir, "rtcgate-under-callgrind")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n"
                f"case \"$1\" in run) exec valgrind --tool=callgrind -q "
                f"--separate-threads=no --callgrind-out-file={out_dir}/callgrind.out.%p {binary} \"$@\";; esac\n"
                f"exec {binary} \"$@\"\n")
    os.chmod(path, 0o755)
    return path


def instructions(binary, calls, rate):
    out_dir = tempfile.mkdtemp(prefix="callgrind-")
    workdir = tempfile.mkdtemp(prefix="bench-cg-")
    port, uas_port = free_port(), free_port()
    # valgrind does not implement io_uring, which the embedded relay's workers would use.
    process, _ = proxy_bench.start_rtcgate(wrapper(binary, out_dir), workdir, port, uas_port,
                                           "media: { packet_io: epoll }\n")
    proxy_bench.time.sleep(8)  # start-up under valgrind
    ok, failed = proxy_bench.run_load(port, uas_port, calls, rate, workdir)
    process.stop(timeout=60)
    total = total_instructions(out_dir)
    shutil.rmtree(out_dir, ignore_errors=True)
    shutil.rmtree(workdir, ignore_errors=True)
    return total, ok, failed


def per_call(name, binary, calls, rate):
    small, ok1, bad1 = instructions(binary, calls, rate)
    large, ok2, bad2 = instructions(binary, 2 * calls, rate)
    cost = (large - small) / max(ok2 - ok1, 1)
    print(f"{name:9s} {calls} calls: {small:,} instr ({ok1} ok, {bad1} failed); "
          f"{2 * calls} calls: {large:,} ({ok2} ok, {bad2} failed); per call {cost:,.0f}",
          flush=True)
    return cost


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="build/rtcgate")
    parser.add_argument("--baseline")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rate", type=int, default=20)
    args = parser.parse_args()
    ours = per_call("rtcgate", os.path.abspath(args.binary), args.calls, args.rate)
    if args.baseline:
        base = per_call("baseline", os.path.abspath(args.baseline), args.calls, args.rate)
        print(f"rtcgate vs baseline: {100 * (ours / base - 1):+.1f}% instructions per call")


if __name__ == "__main__":
    main()
