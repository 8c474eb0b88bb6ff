#!/usr/bin/env python3
"""rtcgate's built-in pages in a real browser: the demo phone and the dashboard.

`rtcgate run` (free ports, users alice and bob) serves /phone on its wss listener; headless
Chromium (Debian package, playwright-core from tests/e2e/node_modules) loads
https://127.0.0.1:<wss>/phone ignoring the self-signed certificate, registers alice with digest
authentication through the page's form, and the registration must then be listed by
GET /api/v1/registrations. The dashboard at http://127.0.0.1:<http>/ must list it as well.

The third test calls a sipp UAS (registered as bob, echoing RTP) from the phone page, checks that
media flows both ways through the gateway's media anchoring (browser DTLS-SRTP <-> plain RTP),
that the call is in GET /api/v1/calls and on the dashboard, and hangs it up with the dashboard's
button (sipp must get its BYE). RTCGATE_PHONE_CALL=0 skips it.

Everything runs in a private network namespace with only loopback (the script re-executes itself
under `unshare -n`). Every process started here is stopped here, by PID.
"""
import json
import os
import shutil
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from siptest import (Gateway, check, free_port, parse_args, run_tests, sipp,  # noqa: E402
                     sipp_logs)

CALL_ENV = "RTCGATE_PHONE_CALL"


def enter_namespace():
    """Re-executes this script in a new network namespace with only `lo`, once."""
    if os.environ.get("RTCGATE_E2E_NETNS") == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return
    env = dict(os.environ, RTCGATE_E2E_NETNS="1")
    result = subprocess.run(["unshare", "-n", sys.executable] + sys.argv, env=env)
    sys.exit(result.returncode)


def preflight():
    for tool in ("node", "unshare", "ip", "sipp"):
        if shutil.which(tool) is None:
            sys.exit("FAIL: %s is not installed" % tool)
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(chromium):
        sys.exit("FAIL: %s missing (apt-get install chromium)" % chromium)
    if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
        sys.exit("FAIL: run `npm ci` in tests/e2e first")


class Browser:
    """tests/e2e/phone_page.js: one JSON command per line in, one JSON answer per line out."""

    def __init__(self, log_path):
        self.log = open(log_path, "wb")
        self.log_path = log_path
        self.proc = subprocess.Popen(["node", os.path.join(HERE, "phone_page.js")], cwd=HERE,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, start_new_session=True)

    def ask(self, timeout=40, **command):
        self.proc.stdin.write((json.dumps(command) + "\n").encode())
        self.proc.stdin.flush()
        answer = {}

        def read():
            line = self.proc.stdout.readline()
            if line:
                answer.update(json.loads(line))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout)
        check(answer, "browser gave no answer to %s within %d s:\n%s" %
              (command["cmd"], timeout, self.stderr()))
        check("error" not in answer, "browser %s: %s\n%s" % (command["cmd"], answer.get("error"),
                                                            self.stderr()))
        print("browser %s -> %s" % (command["cmd"], answer), flush=True)
        return answer

    def stderr(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-3000:]

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b'{"cmd": "quit"}\n')
                self.proc.stdin.flush()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        self.log.close()


def registrations(gw, user):
    status, body = gw.http("GET", "/api/v1/registrations?user=" + user)
    check(status == 200, "registrations answered %d" % status)
    listed = json.loads(body)
    return listed["registrations"] if isinstance(listed, dict) else listed


def main():
    args = parse_args()
    args.binary = os.path.abspath(args.binary)
    preflight()
    enter_namespace()

    # JsSIP and sipp both speak only MD5 digest; JsSIP answers the last challenge and sipp
    # (registering bob for the call test) the first: the defaults put MD5 last on WSS and first
    # on UDP.
    gw = Gateway(args.binary, transports=("udp", "wss")).start()
    browser = Browser(os.path.join(gw.dir, "browser.log"))
    phone_url = "https://127.0.0.1:%d/phone" % gw.ports["wss"]

    def test_phone_registers_alice():
        answer = browser.ask(cmd="phone", url=phone_url, user="alice", password="alicepw")
        check(answer["defaults"]["wss"] == "wss://127.0.0.1:%d" % gw.ports["wss"],
              "WebSocket URL default is not the page's own listener: %r" % answer["defaults"])
        check(answer["defaults"]["domain"] == "localhost",
              "domain default is not the gateway's SIP domain: %r" % answer["defaults"])
        check(answer["banner"] == "", "the page shows a warning: %r" % answer["banner"])
        check(answer["state"] == "registered", "phone did not register: %r\n%s" %
              (answer, gw.log()[-3000:]))
        entries = registrations(gw, "alice")
        check(any(e["aor"] == "alice@localhost" and e["transport"] == "wss" for e in entries),
              "alice over wss not in /api/v1/registrations: %r" % entries)
        ua = [e["user_agent"] for e in entries]
        check(any("rtcgate-phone" in u for u in ua), "not the phone's registration: %r" % ua)

    def test_dashboard_lists_registration():
        answer = browser.ask(cmd="dashboard", url="http://127.0.0.1:%d/" % gw.http_port,
                             aor="alice@localhost")
        check(answer["cells"][0] == "alice@localhost" and answer["cells"][2] == "wss",
              "dashboard row: %r" % answer["cells"])
        check(answer["health"] == "healthy", "dashboard health: %r" % answer["health"])
        check(answer["contacts"] == "1", "registered contacts counter: %r" % answer["contacts"])

    def test_phone_calls_sipp_uas():
        port, media = free_port(), free_port()
        rc, logs = sipp("register.xml", gw.ports["udp"], port,
                        ["-s", "bob", "-au", "bob", "-ap", "bobpw"])
        check(rc == 0, "sipp register:\n%s" % sipp_logs(logs))
        uas_logs = os.path.join(gw.dir, "uas")
        os.makedirs(uas_logs, exist_ok=True)
        uas = sipp("uas_answer.xml", gw.ports["udp"], port,
                   ["-s", "bob", "-rtp_echo", "-mi", "127.0.0.1", "-mp", str(media)],
                   timeout=60, log_dir=uas_logs, background=True)
        try:
            answer = browser.ask(cmd="call", target="bob", seconds=6, timeout=60)
            check(answer["state"] == "confirmed", "call not established: %r\n%s" %
                  (answer, gw.log()[-3000:]))
            check(answer["packetsSent"] > 100 and answer["packetsReceived"] > 100,
                  "media did not flow both ways: %r" % answer)
            status, body = gw.http("GET", "/api/v1/calls")
            check(status == 200, "GET /api/v1/calls answered %d" % status)
            calls = json.loads(body)["calls"]
            check(len(calls) == 1, "GET /api/v1/calls during the call: %s" % body)
            # The dashboard lists the call and its Hang up button ends it on both sides.
            artifacts = os.path.join(os.path.abspath(args.build_dir), "test-artifacts")
            os.makedirs(artifacts, exist_ok=True)
            screenshot = os.path.join(artifacts, "dashboard-live-call.png")
            answer = browser.ask(cmd="dashboard_hangup", screenshot=screenshot)
            check(os.path.getsize(screenshot) > 10000, "no dashboard screenshot")
            print("dashboard screenshot:", screenshot)
            check(answer["rows"] == 1 and answer["cells"][0] == str(calls[0]["id"]),
                  "dashboard calls row: %r, API: %s" % (answer, body))
            check(answer["callsCounter"] == "1", "calls counter: %r" % answer["callsCounter"])
            check(answer["cells"][5].startswith("MOS "), "no media quality: %r" % answer["cells"])
            check(answer["cells"][5].endswith(" · PCMU"), "no codec: %r" % answer["cells"])
            uas.wait(timeout=30)
            check(uas.returncode == 0, "sipp UAS failed (exit %s):\n%s" %
                  (uas.returncode, sipp_logs(uas_logs)))
        finally:
            if uas.poll() is None:
                uas.kill()
                uas.wait()

    def test_dashboard_with_token():
        token_gw = Gateway(args.binary, transports=("udp",))
        with open(token_gw.config) as f:
            config = f.read()
        listen = "listen: 127.0.0.1:%d" % token_gw.http_port
        check(listen in config, "unexpected test configuration:\n" + config)
        with open(token_gw.config, "w") as f:
            f.write(config.replace(listen, listen + ", token: s3cret-token"))
        token_gw.start()
        try:
            status, _ = token_gw.http("GET", "/api/v1/registrations")
            check(status == 401, "API without token answered %d" % status)
            for path in ("/", "/dashboard/dashboard.js", "/assets/style.css", "/phone"):
                status, _ = token_gw.http("GET", path)
                check(status == 200, "page %s without token answered %d" % (path, status))
            answer = browser.ask(cmd="dashboard_token", token="s3cret-token",
                                 url="http://127.0.0.1:%d/" % token_gw.http_port)
            check(answer["before"] == "loading…", "data shown before the token: %r" % answer)
            check(answer["health"] == "healthy" and answer["stored"] == "s3cret-token",
                  "after the token: %r" % answer)
        finally:
            status = token_gw.stop()
            token_gw.cleanup()
        check(status == 0, "token gateway exited with %s" % status)

    tests = [("test_phone_registers_alice", test_phone_registers_alice),
             ("test_dashboard_lists_registration", test_dashboard_lists_registration),
             ("test_dashboard_with_token", test_dashboard_with_token),
             ("test_phone_calls_sipp_uas", test_phone_calls_sipp_uas)]
    if os.environ.get(CALL_ENV) == "0":
        tests.pop()
        print("SKIP test_phone_calls_sipp_uas: %s=0" % CALL_ENV, flush=True)
    try:
        run_tests(tests, [gw])
    finally:
        browser.stop()


if __name__ == "__main__":
    main()
