#!/usr/bin/env python3
"""rtcgate's ng client drives Debian's rtpengine-daemon (userspace, --table=-1).

Starts rtpengine on loopback with free ports, then runs the NgClientAgainstServer gtest from
unit_mediacontrol (offer, answer, query, delete through mediacontrol::NgClient, SDP checked) against it. The
daemon is stopped here by PID.
"""
import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ping(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.3)
        sock.sendto(b"probe_1 d7:command4:pinge", ("127.0.0.1", port))
        try:
            return b"pong" in sock.recvfrom(4096)[0]
        except socket.timeout:
            return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--build-dir", required=True)
    args = parser.parse_args()
    rtpengine = shutil.which("rtpengine")
    if rtpengine is None:
        print("FAIL: rtpengine-daemon is not installed", file=sys.stderr)
        return 1
    unit = os.path.join(os.path.abspath(args.build_dir), "unit_mediacontrol")
    if not os.path.exists(unit):
        print("FAIL: %s not built (cmake --build ... --target unit_mediacontrol)" % unit, file=sys.stderr)
        return 1
    workdir = tempfile.mkdtemp(prefix="rtcgate-relay-rtpengine-")
    ng_port = free_udp_port()
    port_min = random.randrange(40000, 59000, 2)
    log_path = os.path.join(workdir, "rtpengine.log")
    with open(log_path, "wb") as log:
        daemon = subprocess.Popen(
            [rtpengine, "--config-file=none", "--table=-1", "--interface=127.0.0.1",
             "--listen-ng=127.0.0.1:%d" % ng_port, "--foreground", "--log-stderr",
             "--port-min=%d" % port_min, "--port-max=%d" % (port_min + 199), "--log-level=6"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    status = 1
    try:
        deadline = time.time() + 10
        while not ping(ng_port):
            if daemon.poll() is not None or time.time() > deadline:
                raise RuntimeError("rtpengine did not answer ng ping")
            time.sleep(0.1)
        env = dict(os.environ, RTCGATE_NG_SERVER="udp://127.0.0.1:%d" % ng_port)
        result = subprocess.run([unit, "--gtest_filter=NgClientAgainstServer.*"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        output = result.stdout.decode(errors="replace")
        if result.returncode != 0 or "[  PASSED  ] 1 test" not in output:
            print(output, file=sys.stderr)
            raise RuntimeError("NgClient against rtpengine failed")
        print("PASS: NgClient offer/answer/query/delete against rtpengine-daemon")
        status = 0
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        print("FAIL: %s" % error, file=sys.stderr)
        with open(log_path, "rb") as f:
            print("---- rtpengine log (tail) ----\n" + f.read().decode(errors="replace")[-3000:],
                  file=sys.stderr)
    finally:
        if daemon.poll() is None:
            os.killpg(daemon.pid, signal.SIGTERM)
            try:
                daemon.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait()
    shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
