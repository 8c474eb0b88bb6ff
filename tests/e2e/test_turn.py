#!/usr/bin/env python3
"""A browser behind a firewall that drops UDP: its media goes through TURN over TCP (coturn).

In a private network namespace (the script re-executes itself under `unshare -n`):
  - coturn (Debian `coturn`) listens on 127.0.0.1 with use-auth-secret (the TURN REST API scheme)
    and relays from 127.0.0.2, so its relayed packets can be told from the browser's own;
  - iptables drops every UDP datagram except coturn's relayed ones, SIP signalling and sipp's RTP:
    the browser cannot reach rtcgate's media ports nor coturn's UDP port, only coturn over TCP;
  - `rtcgate run` has webrtc.ice_servers = [turn:127.0.0.1:P?transport=tcp] and the secret.
Tests:
  (a) GET /api/v1/turn-credentials: username "<expiry>:<user>", password recomputed here with
      Python's hmac (independent of rtcgate's code), ttl, uris; a bad ?user= is refused.
  (b) the demo phone (https://127.0.0.1:<wss>/phone, its /phone/turn-credentials) calls a sipp UAS
      echoing RTP: media flows both ways, the browser's selected candidate is a relayed one,
      rtcgate's call statistics count packets both ways, coturn logged the allocation for the
      phone's user, and the firewall did drop the browser's direct UDP.
  (c) the control: the same call through a gateway without webrtc settings gets no media back
      (so (b) is not passing because the firewall lets media through).
Every process started here is stopped here, by PID.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from siptest import (Gateway, Process, check, free_port, parse_args, run_tests,  # noqa: E402
                     sipp, sipp_logs)
from test_phone_page import Browser, enter_namespace, preflight  # noqa: E402

SECRET = "north-wind-turn-secret"
RELAY_IP = "127.0.0.2"  # coturn's relayed address: the only UDP peer the firewall lets through
REALM = "rtcgate.test"


def firewall(media_ranges, turn_port, sipp_media):
    """Drops UDP to and from the gateways' media ports, except coturn's relayed packets and
    sipp's RTP, and UDP to coturn's own port: the browser is left with TURN over TCP."""
    rules = [["-s", RELAY_IP, "-j", "ACCEPT"], ["-d", RELAY_IP, "-j", "ACCEPT"],
             ["--sport", str(sipp_media), "-j", "ACCEPT"],
             ["--dport", str(sipp_media), "-j", "ACCEPT"]]
    for low, high in media_ranges:
        rules.append(["--sport", "%d:%d" % (low, high), "-j", "DROP"])
        rules.append(["--dport", "%d:%d" % (low, high), "-j", "DROP"])
    rules.append(["--dport", str(turn_port), "-j", "DROP"])
    for rule in rules:
        subprocess.run(["iptables", "-A", "INPUT", "-p", "udp"] + rule, check=True)


def dropped_udp():
    """Packets the DROP rules caught."""
    out = subprocess.run(["iptables", "-L", "INPUT", "-v", "-n", "-x"], check=True,
                         capture_output=True, text=True).stdout
    return sum(int(line.split()[0]) for line in out.splitlines()
               if len(line.split()) > 2 and line.split()[2] == "DROP")


def set_media_range(gw, low, high):
    """Moves the gateway's media ports to low-high, below the kernel's ephemeral ports (where
    free_port() picks SIP ports and the start-up probe's port): the firewall drops UDP on these
    ranges, and must not catch anything but media."""
    with open(gw.config) as f:
        text = f.read()
    text = re.sub(r"ports: \d+-\d+", "ports: %d-%d" % (low, high), text, count=1)
    with open(gw.config, "w") as f:
        f.write(text)
    return low, high


def start_coturn(directory, port):
    args = ["turnserver", "-n", "--listening-ip=127.0.0.1", f"--listening-port={port}",
            f"--relay-ip={RELAY_IP}", "--min-port=50000", "--max-port=50999",
            "--use-auth-secret", f"--static-auth-secret={SECRET}", f"--realm={REALM}",
            "--allow-loopback-peers", "--no-tls", "--no-dtls", "--no-cli", "--no-software-attribute",
            "--log-file=stdout", "--simple-log", "--verbose",
            f"--db={directory}/turndb", f"--pidfile={directory}/turnserver.pid"]
    coturn = Process(args, os.path.join(directory, "coturn.log"))
    deadline = time.time() + 10
    while time.time() < deadline:
        check(coturn.proc.poll() is None, "coturn exited:\n" + coturn.output()[-3000:])
        with open("/proc/net/tcp") as f:
            if any(":%04X 00000000:0000 0A" % port in line for line in f):
                return coturn
        time.sleep(0.1)
    raise AssertionError("coturn did not listen on TCP %d:\n%s" % (port, coturn.output()[-3000:]))


def turn_gateway(binary, turn_port):
    # Outside the gateway's directory: `rtcgate user add` already loads the configuration.
    secret_file = os.path.join(tempfile.mkdtemp(prefix="rtcgate-turn-"), "turn.secret")
    with open(secret_file, "w") as f:
        f.write(SECRET + "\n")
    os.chmod(secret_file, 0o600)
    webrtc = ("webrtc:\n"
              f"  ice_servers: [\"turn:127.0.0.1:{turn_port}?transport=tcp\"]\n"
              f"  turn_secret_file: {secret_file}\n"
              "  turn_ttl: 600\n")
    return Gateway(binary, transports=("udp", "wss"), extra_yaml=webrtc)


def call_sipp(gw, browser, phone_user, media, seconds=6):
    """Registers bob (sipp UAS echoing RTP) and the phone as `phone_user`, calls bob from the
    phone; returns the browser's answer and the call as the calls API listed it meanwhile."""
    port = free_port()
    rc, logs = sipp("register.xml", gw.ports["udp"], port,
                    ["-s", "bob", "-au", "bob", "-ap", "bobpw"])
    check(rc == 0, "sipp register:\n%s" % sipp_logs(logs))
    answer = browser.ask(cmd="phone", url="https://127.0.0.1:%d/phone" % gw.ports["wss"],
                         user=phone_user, password=phone_user + "pw")
    check(answer["state"] == "registered", "phone did not register: %r" % answer)
    uas_logs = os.path.join(gw.dir, "uas-" + phone_user)
    os.makedirs(uas_logs, exist_ok=True)
    uas = sipp("uas_answer.xml", gw.ports["udp"], port,
               ["-s", "bob", "-rtp_echo", "-mi", "127.0.0.1", "-mp", str(media)],
               timeout=60, log_dir=uas_logs, background=True)
    try:
        answer = browser.ask(cmd="call", target="bob", seconds=seconds, timeout=60)
        calls = []
        if answer.get("state") == "confirmed":
            # GET /api/v1/calls/{id} adds the relay's statistics to what the list shows.
            for listed in gw.calls():
                status, body = gw.http("GET", "/api/v1/calls/%d" % listed["id"])
                check(status == 200, "GET /api/v1/calls/%d answered %d" % (listed["id"], status))
                calls.append(json.loads(body))
        if answer.get("state") == "confirmed":
            browser.ask(cmd="hangup")
        uas.wait(timeout=30)
    finally:
        if uas.poll() is None:
            uas.kill()
            uas.wait()
    return answer, calls


def main():
    args = parse_args()
    args.binary = os.path.abspath(args.binary)
    preflight()
    for tool in ("turnserver", "iptables"):
        if shutil.which(tool) is None:
            sys.exit("FAIL: %s is not installed (scripts/install-deps.sh --test)" % tool)
    enter_namespace()

    turn_port, sipp_media = free_port(), free_port()
    gw = turn_gateway(args.binary, turn_port)
    control = Gateway(args.binary, users=(("carol", "carolpw"), ("bob", "bobpw")),
                      transports=("udp", "wss"))
    ephemeral_low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    check(ephemeral_low > 22000, "ephemeral ports start at %d" % ephemeral_low)
    firewall([set_media_range(gw, 20000, 20999), set_media_range(control, 21000, 21999)],
             turn_port, sipp_media)
    coturn = start_coturn(gw.dir, turn_port)
    gw.start()
    control.start()
    browser = Browser(os.path.join(gw.dir, "browser.log"))

    def test_api_credentials():
        before = int(time.time())
        status, body = gw.http("GET", "/api/v1/turn-credentials?user=alice")
        check(status == 200, "turn-credentials answered %d: %s" % (status, body))
        answer = json.loads(body)
        expiry, user = answer["username"].split(":")
        check(user == "alice", "username %r" % answer["username"])
        check(before + 600 <= int(expiry) <= int(time.time()) + 600, "expiry %s" % expiry)
        expected = base64.b64encode(hmac.new(SECRET.encode(), answer["username"].encode(),
                                             hashlib.sha1).digest()).decode()
        check(answer["password"] == expected, "password %r, expected %r" %
              (answer["password"], expected))
        check(answer["ttl"] == 600, "ttl %r" % answer["ttl"])
        check(answer["uris"] == ["turn:127.0.0.1:%d?transport=tcp" % turn_port],
              "uris %r" % answer["uris"])
        status, _ = gw.http("GET", "/api/v1/turn-credentials?user=a:b")
        check(status == 400, "a user with ':' answered %d" % status)
        status, body = control.http("GET", "/api/v1/turn-credentials")
        check(status == 503 and "turn_secret_file" in body,
              "without a secret: %d %s" % (status, body))

    def test_phone_media_through_turn():
        dropped_before = dropped_udp()
        answer, calls = call_sipp(gw, browser, "alice", sipp_media)
        check(answer["state"] == "confirmed", "call not established: %r\n%s" %
              (answer, gw.log()[-3000:]))
        check(answer["packetsSent"] > 100 and answer["packetsReceived"] > 100,
              "media did not flow both ways: %r" % answer)
        check(answer["candidateType"] == "relay",
              "the browser's media path is not through TURN: %r" % answer)
        check(len(calls) == 1 and "media" in calls[0], "calls API: %r" % calls)
        media = calls[0]["media"]
        check(media["from_caller"]["packets"] > 100 and media["from_callee"]["packets"] > 100,
              "rtcgate's call statistics: %r" % media)
        log = coturn.output()
        check("ALLOCATE processed, success" in log and ":phone" in log,
              "coturn logged no allocation for the phone:\n%s" % log[-3000:])
        check("CREATE_PERMISSION processed, success" in log or "CHANNEL_BIND processed, success"
              in log, "coturn logged no permission toward rtcgate:\n%s" % log[-3000:])
        check(dropped_udp() > dropped_before,
              "the firewall dropped nothing: the browser's direct UDP was not blocked")

    def test_without_turn_no_media():
        answer, _ = call_sipp(control, browser, "carol", sipp_media, seconds=8)
        check(answer.get("packetsReceived", 0) == 0,
              "media reached the browser without TURN: the firewall does not block it: %r"
              % answer)

    tests = [("test_api_credentials", test_api_credentials),
             ("test_phone_media_through_turn", test_phone_media_through_turn),
             ("test_without_turn_no_media", test_without_turn_no_media)]
    try:
        run_tests(tests, [gw, control])
    finally:
        browser.stop()
        coturn.stop()


if __name__ == "__main__":
    main()
