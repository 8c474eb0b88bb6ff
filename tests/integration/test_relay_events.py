"""relay.up / relay.down events and the per-relay metrics with an ng relay (media.relay): the
gateway starts with its relay not running; a `rtcgate relay` started on that port makes the
events WebSocket see relay.up and /metrics show rtcgate_relay_up 1 with the relay's statistics;
stopping it brings relay.down and rtcgate_relay_up 0. /api/v1/health is critical while the only
relay is down and healthy while it answers."""
import json
import os
import random
import subprocess
import tempfile
import time

from siptest import EventSocket, Gateway, check, free_port, parse_args, run_tests, tests_in

args = parse_args()
NG_PORT = free_port(both=False)
RELAY = f"127.0.0.1:{NG_PORT}"
gw = Gateway(args.binary, transports=("udp",),
             media_extra=f", relay: [udp://{RELAY}]").start()


def relay_metric(name):
    status, body = gw.http("GET", "/metrics")
    check(status == 200, f"/metrics answered {status}")
    for line in body.splitlines():
        if line.startswith(f'{name}{{relay="{RELAY}"}} '):
            return float(line.split()[1])
    return None


def wait_metric(name, value, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if relay_metric(name) == value:
            return
        time.sleep(0.2)
    check(False, f"{name} never became {value} (now {relay_metric(name)})")


def health():
    status, body = gw.http("GET", "/api/v1/health")
    return status, json.loads(body)


def start_relay(workdir):
    config = os.path.join(workdir, "relay.yaml")
    low = random.randrange(40000, 59000, 2)
    with open(config, "w") as f:
        f.write(f"relay:\n  listen: [udp://{RELAY}]\nmedia:\n  ports: {low}-{low + 99}\n")
    return subprocess.Popen([args.binary, "relay", "--config", config], cwd=workdir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_relay_up_and_down_reach_events_and_metrics():
    wait_metric("rtcgate_relay_up", 0)  # nobody answers the first pings
    status, report = health()
    check(status == 503 and report["status"] == "critical"
          and report["reasons"] == ["relay: 1 of 1 relays down"], f"health: {status} {report}")
    events = EventSocket(gw.http_port, "/api/v1/events?types=relay.")
    check(events.status == 101, f"WebSocket handshake answered {events.status}")
    workdir = tempfile.mkdtemp(prefix="relay-events-")
    relay = start_relay(workdir)
    try:
        up = events.read_until(lambda e: any(x["type"] == "relay.up" for x in e), timeout=15)
        event = next(x for x in up if x["type"] == "relay.up")
        check(event["relay"] == RELAY and event["time"] > 1.6e12, f"relay.up: {event}")
        wait_metric("rtcgate_relay_up", 1)
        wait_metric("rtcgate_relay_sessions", 0)
        check(relay_metric("rtcgate_relay_packets_total") == 0, "packets of an idle relay")
        status, report = health()
        check(status == 200 and report["status"] == "healthy", f"health: {status} {report}")
    finally:
        relay.terminate()
        relay.wait(10)
    down = events.read_until(lambda e: any(x["type"] == "relay.down" for x in e), timeout=15)
    event = next(x for x in down if x["type"] == "relay.down")
    check(event["relay"] == RELAY, f"relay.down: {event}")
    check([x["type"] for x in down] == ["relay.up", "relay.down"], f"events: {events.types()}")
    wait_metric("rtcgate_relay_up", 0)


run_tests(tests_in(dict(globals())), [gw])
