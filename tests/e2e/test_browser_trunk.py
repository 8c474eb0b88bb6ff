#!/usr/bin/env python3
"""The browser and the carrier: Kamailio as the carrier (registrar with digest on REGISTER and
INVITE, on 127.0.0.2), `rtcgate run` with a trunk to it, JsSIP in headless Chromium over WSS.
  (a) the trunk registers; the carrier's call to the trunk's number (a sipp UAC at 127.0.0.4,
      RTP/AVP, playing a pcap) reaches the browser the DID maps to (bob), which answers: media
      both ways, counted in the browser and in the relay's call statistics;
  (b) the browser (alice) calls 02079460000: the route strips the 0 and prefixes +44, Kamailio
      challenges with 407 and rtcgate answers it with the trunk's credentials (a challenge
      reaching the browser would be answered with alice's password and refused), Kamailio logs
      the authenticated user, the number, From and P-Asserted-Identity (our caller id), and sends
      the call to a sipp UAS at 127.0.0.3 echoing RTP: media both ways.
After each call the calls API and the relay must be empty.

Self-check: `--wrong-trunk-password` gives the trunk a password the carrier refuses; the test
must then fail (the trunk does not register, the calls do not go through).

Runs in a private network namespace with only loopback (re-executes itself under `unshare -n`).
Every process started here is stopped here, by PID.
"""
import argparse
import os
import re
import secrets
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import siptest  # noqa: E402
from kamailio_carrier import kamailio_argv, kamailio_carrier_cfg  # noqa: E402
import test_relay_kamailio as kit  # noqa: E402
from test_phone_page import enter_namespace, preflight  # noqa: E402
from test_gateway_calls import UAS_REINVITE, Run, uac_scenario  # noqa: E402

CARRIER = "127.0.0.2"      # Kamailio
PSTN_CALLEE = "127.0.0.3"  # who the carrier sends our outbound calls to
PSTN_CALLER = "127.0.0.4"  # who calls our number through the carrier
NUMBER = "+15551230000"    # the trunk's number (our DID and our caller id)

TRUNK = """trunks:
  - name: carrier
    address: sip:{carrier}:{port}
    username: acme
    password: {password}
    register: {{ expires: 120 }}
    from_user: "{number}"
    inbound:
      dids: {{ "{number}": bob }}
routes:
  - {{ match: '^0[0-9]+$', trunk: carrier, strip: 1, prefix: "+44" }}
"""


class TrunkRun(Run):
    """test_gateway_calls' Run (browsers, relay statistics, idle checks) with a gateway whose only
    way out is the trunk, and Kamailio as the carrier."""

    def __init__(self, binary, workdir, wrong_password):
        self.relay_kind = "embedded"
        self.processes = kit.Processes(workdir)
        self.workdir = workdir
        self.kport = kit.free_udp_port()
        self.callee_port = kit.free_udp_port()
        self.uas_media = kit.free_udp_port(even=True)
        password = "tr-" + secrets.token_hex(4)
        config = os.path.join(workdir, "kamailio.cfg")
        with open(config, "w") as f:
            f.write(kamailio_carrier_cfg("%s:%d" % (CARRIER, self.kport), password, PSTN_CALLER,
                                         "%s:%d" % (PSTN_CALLEE, self.callee_port)))
        trunk_password = "not-" + password if wrong_password else password
        self.gateway = siptest.Gateway(
            binary, transports=("udp", "wss"),
            extra_yaml=TRUNK.format(carrier=CARRIER, port=self.kport, password=trunk_password,
                                    number=NUMBER))
        self.wss = "wss://127.0.0.1:%d" % self.gateway.ports["wss"]
        self.kamailio = self.processes.start("kamailio", kamailio_argv(config, workdir))

    def carrier_log(self, pattern, timeout=5.0):
        """The first line of Kamailio's log matching `pattern` (waits for it)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(os.path.join(self.workdir, "kamailio.log"), "rb") as f:
                for line in f.read().decode(errors="replace").splitlines():
                    if re.search(pattern, line):
                        return line
            time.sleep(0.1)
        self.fail("kamailio never logged %r" % pattern)

    def trunk_registration(self):
        status, body = self.api("/api/v1/trunks")
        if status != 200:
            self.fail("GET /api/v1/trunks answered %d" % status)
        return body["trunks"][0]["registration"]

    def wait_trunk_registered(self, timeout=10):
        deadline = time.time() + timeout
        while self.trunk_registration()["state"] != "registered":
            if time.time() > deadline:
                self.fail("the trunk did not register: %r" % self.trunk_registration())
            time.sleep(0.2)


def media_both_ways(run, browser, name, label):
    """Waits for the browser's call to end: media must have flowed both ways in the browser and
    through the relay (its call statistics, sampled during the call)."""
    quality = run.relay_media_while(browser)
    run.media_flowed(label, run.browser_result(browser, name))
    print("%s relay media quality during the call: %r" % (label, quality))
    if not quality or min(d.get("packets", 0) for d in quality.values()) < 50:
        run.fail("%s the relay did not carry media from both sides: %r" % (label, quality))


def scenario_carrier_calls_browser(run):
    run.wait_trunk_registered()
    run.carrier_log(r"CARRIER REGISTER au=acme ")
    callee = run.browser("browser_a", "bob", "--answer", "--seconds", "5")
    run.wait_browser_registered("bob", callee)
    with open(os.path.join(run.workdir, "uac.xml"), "w") as f:
        f.write(uac_scenario(9000))
    # The PSTN caller dials our number at the carrier; sipp puts -s in the R-URI and To.
    uac = run.processes.start("uac", ["sipp", "%s:%d" % (CARRIER, run.kport), "-sf",
                                      os.path.join(run.workdir, "uac.xml"), "-s", NUMBER, "-i",
                                      PSTN_CALLER, "-mi", PSTN_CALLER, "-p",
                                      str(kit.free_udp_port()), "-mp",
                                      str(kit.free_udp_port(even=True)), "-m", "1", "-nostdin",
                                      "-timeout", "60s", "-trace_err"])
    media_both_ways(run, callee, "browser_a", "(a)")
    run.carrier_log(r"CARRIER DELIVERS to=%s ruri=sip:acme@127\.0\.0\.1:" % re.escape(NUMBER))
    if run.wait(uac, "(a) sipp UAC", 60) != 0:
        run.fail("(a) sipp UAC failed (exit %d)" % uac.returncode)
    run.wait_idle("(a)")


def scenario_browser_calls_number(run):
    with open(os.path.join(run.workdir, "uas.xml"), "w") as f:
        f.write(UAS_REINVITE)
    uas = run.processes.start("uas", ["sipp", "-sf", os.path.join(run.workdir, "uas.xml"), "-i",
                                      PSTN_CALLEE, "-p", str(run.callee_port), "-mi",
                                      PSTN_CALLEE, "-mp", str(run.uas_media), "-rtp_echo", "-m",
                                      "1", "-nostdin", "-timeout", "90s", "-trace_err"])
    try:
        siptest.wait_udp_bound(run.callee_port)
    except siptest.Failure as failure:
        run.fail("(b) %s" % failure)
    caller = run.browser("browser_b", "alice", "--register", "--call",
                         "sip:02079460000@localhost", "--seconds", "8")
    media_both_ways(run, caller, "browser_b", "(b)")
    run.carrier_log(r"CARRIER CHALLENGES from=")
    line = run.carrier_log(r"CARRIER INVITE")
    expected = "au=acme ruri=+442079460000 from=%s pai=sip:%s@" % (NUMBER, NUMBER)
    if expected not in line:
        run.fail("(b) the carrier saw %r, expected %r" % (line, expected))
    if run.gateway.metric("rtcgate_proxy_trunk_challenges_answered_total") < 1:
        run.fail("(b) rtcgate counted no answered challenge")
    if run.wait(uas, "(b) sipp UAS") != 0:
        run.fail("(b) sipp UAS failed (exit %d)" % uas.returncode)
    run.wait_idle("(b)")


STEPS = [("a", scenario_carrier_calls_browser,
          "the carrier's call to the trunk's number reaches the browser, media both ways"),
         ("b", scenario_browser_calls_number,
          "the browser's call to 0207... goes out through the trunk, challenge answered, "
          "caller id rewritten, media both ways")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--build-dir", default="")
    parser.add_argument("--only", default="ab", help="scenario letters")
    parser.add_argument("--wrong-trunk-password", action="store_true",
                        help="self-check: the trunk's password is wrong, the test must fail")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    preflight()
    if shutil.which("kamailio") is None:
        sys.exit("FAIL: kamailio is not installed (scripts/install-deps.sh --test)")
    enter_namespace()
    workdir = tempfile.mkdtemp(prefix="rtcgate-e2e-trunk-")
    run = TrunkRun(args.binary, workdir, args.wrong_trunk_password)
    try:
        time.sleep(1.0)  # Kamailio's children fork before the trunk's first REGISTER
        if run.kamailio.poll() is not None:
            run.fail("kamailio did not start")
        run.gateway.start()
        for key, step, what in STEPS:
            if key in args.only:
                step(run)
                print("PASS (%s): %s" % (key, what))
        status = run.gateway.stop()
        if status != 0:
            run.fail("rtcgate exited with %d on SIGTERM" % status)
    finally:
        if run.gateway.process and run.gateway.process.proc.poll() is None:
            run.gateway.stop()
        run.processes.stop_all()
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
