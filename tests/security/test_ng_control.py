"""The ng control plane (issue 13, item 12).

Whoever can talk ng to a relay can create, steer and delete its media sessions, so:
- `rtcgate relay` answers ng requests only from relay.allowed_sources (default loopback): a ping
  from 127.0.0.2 to a relay that allows 127.0.0.1/32 gets nothing, and is counted;
- the gateway's ng client takes replies only from the relay it asked: a reply forged from another
  local port with the right cookie (it can be sniffed or guessed) is ignored and counted. Its
  effect would be visible in /metrics: a forged pong keeps a dead relay "up", and a forged
  statistics reply sets its session count.
"""
import os
import re
import socket
import subprocess
import tempfile
import threading
import time

from sinks import siptest  # noqa: F401
from siptest import Gateway, Process, check, free_port, parse_args, run_tests, tests_in

args = parse_args()


def ng_ask(port, command, source="127.0.0.1", timeout=1.0):
    """The reply datagram to an ng `command` sent from `source`, or None."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((source, 0))
    sock.settimeout(timeout)
    cookie = os.urandom(4).hex()
    request = b"d7:command%d:%se" % (len(command), command.encode())  # bencode
    sock.sendto(cookie.encode() + b" " + request, ("127.0.0.1", port))
    try:
        data, _ = sock.recvfrom(65536)
        return data
    except socket.timeout:
        return None
    finally:
        sock.close()


class Relay:
    def __init__(self, extra=""):
        self.dir = tempfile.mkdtemp(prefix="rtcgate-ng-")
        self.port = free_port()
        media = 40000 + self.port % 20 * 500
        config = os.path.join(self.dir, "relay.yaml")
        with open(config, "w") as f:
            f.write(f"node: {{ data_dir: {self.dir}/data }}\n"
                    f"media: {{ ports: {media}-{media + 99} }}\n"
                    f"relay:\n  listen: [udp://127.0.0.1:{self.port}]\n{extra}")
        self.process = Process([args.binary, "relay", "--config", config],
                               os.path.join(self.dir, "relay.log"))
        deadline = time.time() + 10
        while ng_ask(self.port, "ping", timeout=0.2) is None:
            check(self.process.proc.poll() is None,
                  "rtcgate relay exited:\n" + self.process.output())
            check(time.time() < deadline, "rtcgate relay does not answer:\n" +
                  self.process.output())

    def stop(self):
        return self.process.stop()

    def log(self):
        return self.process.output()

    def cleanup(self):
        pass


strict = Relay("  allowed_sources: [127.0.0.1/32]\n")
default = Relay()


def test_relay_ignores_sources_not_allowed():
    check(ng_ask(strict.port, "ping", source="127.0.0.2") is None,
          "the relay answered a ping from 127.0.0.2, which relay.allowed_sources does not allow")
    check(ng_ask(strict.port, "statistics", source="127.0.0.2") is None,
          "the relay answered statistics to 127.0.0.2")
    reply = ng_ask(strict.port, "ping")
    check(reply is not None and b"pong" in reply, f"127.0.0.1 got {reply!r}")
    reply = ng_ask(strict.port, "statistics") or b""
    refused = re.search(rb"17:ngrequestsrefusedi(\d+)e", reply)
    check(refused and int(refused.group(1)) >= 2, f"refusals not counted: {reply!r}")


def test_relay_default_allows_loopback_only():
    reply = ng_ask(default.port, "ping", source="127.0.0.2")
    check(reply is not None and b"pong" in reply, f"loopback 127.0.0.2 got {reply!r}")


PONG = b"d6:result4:ponge"
STATISTICS = (b"d6:result2:ok10:statisticsd17:currentstatisticsd13:sessionstotali4242ee"
              b"15:totalstatisticsdeee")


class ForgingRelay:
    """Listens where the gateway expects its ng relay; answers every request with the right
    cookie, but from another port unless `honest`."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.forger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.forger.bind(("127.0.0.1", 0))
        self.honest = False
        self.requests = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(65536)
            except OSError:
                return
            self.requests += 1
            cookie = data.split(b" ", 1)[0]
            body = PONG if b"4:ping" in data else STATISTICS
            (self.sock if self.honest else self.forger).sendto(cookie + b" " + body, peer)

    def close(self):
        self.sock.close()
        self.forger.close()


forging = ForgingRelay()
gw = Gateway(args.binary, transports=("udp",),
             media_extra=f", relay: [udp://127.0.0.1:{forging.port}]").start()


def metric(name):
    status, body = gw.http("GET", "/metrics")
    check(status == 200, f"/metrics answered {status}")
    label = f'relay="127.0.0.1:{forging.port}"'
    for line in body.splitlines():
        if line.startswith(name + "{") and label in line:
            return float(line.split()[-1])
    return None


def test_forged_ng_replies_are_ignored():
    deadline = time.time() + 8
    while forging.requests < 3 and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(2.0)  # the ping's tries have run out: 3 x 500 ms
    check(forging.requests >= 1, "the gateway never asked its relay")
    sessions = metric("rtcgate_relay_sessions")
    check(sessions != 4242, "a forged statistics reply set rtcgate_relay_sessions to 4242")
    check(metric("rtcgate_relay_up") == 0, "a relay that only answers from elsewhere is up")
    foreign = metric("rtcgate_relay_ng_foreign_replies_total")
    check(foreign is not None and foreign >= 1, f"forged replies not counted: {foreign}")


def test_replies_from_the_relay_are_taken():
    forging.honest = True
    deadline = time.time() + 12
    while metric("rtcgate_relay_up") != 1:
        check(time.time() < deadline, "the relay's own pongs were not taken")
        time.sleep(0.5)


try:
    run_tests(tests_in(globals()), [gw, strict, default])
finally:
    forging.close()
