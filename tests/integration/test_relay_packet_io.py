#!/usr/bin/env python3
"""media.packet_io: the relay's packet I/O on io_uring, on epoll, and the fall-back.

`rtcgate relay` is started with each setting, and where the kernel refuses io_uring as a
container's seccomp profile does (tests/tools/no_io_uring). Each start must log which packet I/O
it uses, and RTP through a few sessions (tests/tools/rtpgen: ng offer/answer, then packets one
way and both ways) must all arrive. `auto` falls back to epoll with a warning that says why; `io_uring` named explicitly
where it is refused must fail the start, naming the key.
"""
import ctypes
import json
import os
import random
import subprocess
import tempfile
import time

from siptest import check, free_port, parse_args, run_tests, tests_in

args = parse_args()
RTPGEN = os.path.join(args.build_dir, "rtpgen")
NO_IO_URING = os.path.join(args.build_dir, "no_io_uring")
WORKDIR = tempfile.mkdtemp(prefix="relay-packet-io-")


def host_allows_io_uring():
    """Whether this host lets a process set up an io_uring (a sandbox may refuse it)."""
    libc = ctypes.CDLL(None, use_errno=True)
    params = ctypes.create_string_buffer(120)  # struct io_uring_params, zeroed
    fd = libc.syscall(425, 4, params)  # io_uring_setup (x86-64)
    if fd < 0:
        return False
    os.close(fd)
    return True


class Relay:
    def __init__(self, packet_io, refuse_io_uring=False):
        self.ng_port = free_port(both=False)
        low = random.randrange(40000, 59000, 2)
        config = os.path.join(WORKDIR, f"relay-{self.ng_port}.yaml")
        with open(config, "w") as f:
            f.write(f"relay:\n  listen: [udp://127.0.0.1:{self.ng_port}]\n"
                    f"media:\n  ports: {low}-{low + 199}\n  packet_io: {packet_io}\n")
        self.log_path = os.path.join(WORKDIR, f"relay-{self.ng_port}.log")
        argv = [args.binary, "relay", "--config", config]
        if refuse_io_uring:
            argv = [NO_IO_URING] + argv
        self.proc = subprocess.Popen(argv, stdout=open(self.log_path, "wb"),
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_started(self):
        deadline = time.time() + 10
        while "packet I/O" not in self.log():
            check(self.proc.poll() is None, f"relay exited {self.proc.returncode}: {self.log()}")
            check(time.time() < deadline, f"relay did not start: {self.log()}")
            time.sleep(0.05)
        return self

    def relays_rtp(self):
        # One way, then both ways as in a call: there every port's peer sends at 100 packets/s,
        # so the relay pins the ports (connects them to their peers) and sends without addresses.
        for both_ways in ("0", "1"):
            out = subprocess.run([RTPGEN, "--ng", f"127.0.0.1:{self.ng_port}", "--sessions", "5",
                                  "--rate", "1000", "--duration", "1", "--both-ways", both_ways],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            check(out.returncode == 0, f"rtpgen exited {out.returncode}: {out.stderr.decode()}")
            result = json.loads(out.stdout.decode().strip().splitlines()[-1])
            check(result["sent"] >= 900 and result["received"] == result["sent"],
                  f"RTP through the relay (both ways: {both_ways}): {result}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            check(self.proc.wait(10) == 0, f"relay exit status {self.proc.returncode}")


def run_relay(packet_io, expected, refuse_io_uring=False):
    relay = Relay(packet_io, refuse_io_uring).wait_started()
    try:
        check(f"packet I/O {expected}" in relay.log(), f"start-up log: {relay.log()}")
        relay.relays_rtp()
        return relay.log()
    finally:
        relay.stop()


def test_auto_uses_io_uring_where_the_kernel_allows_it():
    if host_allows_io_uring():
        run_relay("auto", "io_uring")
    else:  # this host is itself the refusing case: auto must still run, on epoll
        print("this host refuses io_uring: checking auto's fall-back instead")
        run_relay("auto", "epoll")


def test_epoll_when_asked():
    log = run_relay("epoll", "epoll")
    check("unavailable" not in log, f"a warning where none is due: {log}")


def test_auto_falls_back_to_epoll_where_io_uring_is_refused():
    log = run_relay("auto", "epoll", refuse_io_uring=True)
    check("media.packet_io: io_uring is unavailable (io_uring_setup: Operation not permitted); "
          "the media workers use epoll" in log, f"no warning that says why: {log}")


def test_io_uring_named_where_it_is_refused_fails_the_start():
    relay = Relay("io_uring", refuse_io_uring=True)
    try:
        code = relay.proc.wait(10)
    except subprocess.TimeoutExpired:
        relay.proc.kill()
        check(False, f"the relay started without io_uring: {relay.log()}")
    check(code == 1, f"exit status {code}")
    check("media.packet_io" in relay.log() and "Operation not permitted" in relay.log(),
          f"the error names neither the key nor the reason: {relay.log()}")


if __name__ == "__main__":
    run_tests(tests_in(dict(globals())))
