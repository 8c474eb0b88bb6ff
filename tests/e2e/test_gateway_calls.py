#!/usr/bin/env python3
"""`rtcgate run` alone as the WebRTC gateway: Chromium (JsSIP over WSS) <-> sipp, no Kamailio.

The gateway's proxy decides the media profile of each leg and drives its embedded relay (or, with
--relay, ng relays: a separate `rtcgate relay` or Debian's rtpengine-daemon):
  (a) the browser registers over WSS with digest auth and calls a sipp UAS (RTP/AVP, echo) with a
      hold / resume by re-INVITE half-way: media both ways, and again after the resume;
  (b) a sipp UAC (RTP/AVP, plays a pcap) calls the registered browser, which answers;
  (c) browser calls browser through the relay;
  (d) a caller's CANCEL and a callee's 486 leave no call and no relay session behind;
  (e) forking: the browser and a sipp UAS registered as the same user; the browser answers, the
      sipp branch is cancelled, media flows with the browser;
  (f) originate (POST /api/v1/calls): the gateway rings the browser (no offer), then a sipp UAS
      with the browser's offer through the relay; media both ways; held through the API (media
      stops), resumed (media flows again).
  (g) the browser calls with audio and video (bundlePolicy max-bundle: one BUNDLE transport) a
      sipp UAS answering RTP/AVP audio and video on two ports and echoing both: the relay
      demultiplexes the bundle per line; inbound audio and video in the browser.
  (h) a sipp UAC offering RTP/AVP audio and video on two ports (echoing both) calls the browser,
      which answers with audio and video: the relay's bundled offer (one port, one ICE/DTLS) is
      accepted; audio and video both ways in the browser.
After every scenario the calls API and the relay (GET /api/v1/media) must be empty.

Runs in a private network namespace with only loopback (re-executes itself under `unshare -n`).
Every process started here is stopped here, by PID.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import siptest  # noqa: E402
import test_relay_kamailio as kit  # noqa: E402
from test_browser_relay import enter_namespace  # noqa: E402

SCENARIOS = os.path.join(HERE, "..", "integration", "scenarios")

# Answers the INVITE, then any number of re-INVITEs (hold, resume), until the BYE.
UAS_REINVITE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uas answering re-INVITEs">
  <recv request="INVITE" crlf="true"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

]]></send>
  <label id="answer"/>
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv request="ACK" crlf="true"/>
  <recv request="INVITE" optional="true" next="answer"/>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <timewait milliseconds="500"/>
</scenario>
"""


# Answers with RTP/AVP audio and video on separate ports (sipp -rtp_echo echoes -mp and -mp+2).
UAS_AUDIO_VIDEO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uas answering audio and video">
  <recv request="INVITE" crlf="true"/>
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video [media_port+2] RTP/AVP 96
a=rtpmap:96 VP8/90000
]]></send>
  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <timewait milliseconds="500"/>
</scenario>
"""


def uac_scenario(talk_ms):
    """kit's pcap-playing UAC, made a proper UAC: ACK and BYE follow the Record-Route set."""
    text = kit.UAC_SCENARIO.replace("{pcap}", kit.PCAP).replace("{talk_ms}", str(talk_ms))
    text = text.replace('<recv response="200" rtd="true">', '<recv response="200" rtd="true" rrs="true">')
    for method in ("ACK", "BYE"):
        text = text.replace("%s sip:[service]@[remote_ip]:[remote_port] SIP/2.0" % method,
                            "%s [next_url] SIP/2.0\n      [routes]" % method)
    return text


# Rings and expects a CANCEL; the 487 repeats the INVITE's second Via (the browser's), whatever
# its form.
UAS_RING_CANCEL = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!-- Rings on an INVITE and expects it to be cancelled (200 to CANCEL, 487, ACK). -->
<scenario name="uas-ring-cancel">
  <recv request="INVITE">
    <action>
      <!-- The 487 answers the INVITE, so it needs the INVITE's Vias: the proxy's (which the
           CANCEL repeats) and the caller's, kept here (sipp only echoes the last message). -->
      <ereg regexp=".*" search_in="hdr" header="Via:" occurrence="2" assign_to="callervia"/>
    </action>
  </recv>
  <send>
    <![CDATA[
      SIP/2.0 180 Ringing
      [last_Via:]
      [last_Record-Route:]
      [last_From:]
      [last_To:];tag=[pid]uas[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[service]@[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0

    ]]>
  </send>
  <recv request="CANCEL">
    <action>
      <ereg regexp="[0-9]+" search_in="hdr" header="CSeq:" assign_to="invitecseq"/>
    </action>
  </recv>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]uas[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <send>
    <![CDATA[
      SIP/2.0 487 Request Terminated
      [last_Via:]
      Via: [$callervia]
      [last_From:]
      [last_To:];tag=[pid]uas[call_number]
      [last_Call-ID:]
      CSeq: [$invitecseq] INVITE
      Content-Length: 0

    ]]>
  </send>
  <recv request="ACK"/>
  <timewait milliseconds="300"/>
</scenario>
"""


class Run:
    def __init__(self, binary, workdir, relay_urls=None, relay_kind="embedded"):
        self.relay_kind = relay_kind
        self.processes = kit.Processes(workdir)
        self.workdir = workdir
        self.uas_port = kit.free_udp_port()
        self.uas_media = kit.free_udp_port(even=True)
        self.target_port = kit.free_udp_port()  # a second sipp phone: transfer targets
        extra = ("routes:\n  - { match: '^echo$', to: [sip:127.0.0.1:%d] }\n" % self.uas_port)
        extra += "  - { match: '^target$', to: [sip:127.0.0.1:%d] }\n" % self.target_port
        extra += "calls: { cdr_file: %s/cdr.jsonl }\n" % workdir
        self.gateway = siptest.Gateway(
            binary, users=(("alice", "alicepw"), ("bob", "bobpw"), ("carol", "carolpw"),
                           ("dave", "davepw")),
            transports=("udp", "wss"), extra_yaml=extra,
            media_extra=", relay: [%s]" % ", ".join(relay_urls) if relay_urls else "")
        self.wss = "wss://127.0.0.1:%d" % self.gateway.ports["wss"]

    def fail(self, message):
        if self.gateway.process:
            with open(os.environ.get("RTCGATE_E2E_LOG", "/tmp/rtcgate-e2e-gateway.log"), "w") as f:
                f.write(self.gateway.process.output())
            print(self.gateway.process.output()[-6000:], file=sys.stderr)
        kit.fail(self.processes, message)

    def api(self, path, method="GET"):
        status, body = self.gateway.http(method, path)
        return status, (json.loads(body) if body else {})

    def post(self, path, body):
        status, text = self.gateway.http("POST", path, body)
        return status, (json.loads(text) if text else {})

    def browser(self, name, user, *extra):
        password = user + "pw"
        if self.relay_kind == "rtpengine":
            # rtpengine 10.5 (Debian 12) answers without a=group:BUNDLE, which Chromium refuses
            # under max-bundle; JsSIP's default policy (balanced) takes it.
            extra = extra + ("--bundle", "balanced")
        return self.processes.start(name, ["node", os.path.join(HERE, "browser_call.js"), "--ws",
                                           self.wss, "--user", user, "--domain", "localhost",
                                           "--password", password] + list(extra), cwd=HERE)

    def browser_result(self, proc, name, timeout=90):
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail("%s did not finish within %d s" % (name, timeout))
        if proc.returncode != 0:
            self.fail("%s failed (exit %d)" % (name, proc.returncode))
        lines = [l for l in self.processes.log(name).splitlines() if l.startswith("{")]
        if not lines:
            self.fail("%s printed no result" % name)
        result = json.loads(lines[-1])
        print("%s: %s" % (name, result))
        return result

    def wait(self, proc, name, timeout=30):
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail("%s did not finish within %d s" % (name, timeout))

    def media_flowed(self, name, stats):
        if stats.get("packetsSent", 0) <= 100 or stats.get("packetsReceived", 0) <= 100:
            self.fail("%s: media did not flow both ways: %r" % (name, stats))

    def relay_sessions(self):
        status, media = self.api("/api/v1/media")
        if status != 200:
            self.fail("GET /api/v1/media answered %d" % status)
        return media.get("list", {}).get("calls", [])

    def relay_packets_now(self):
        """Packets the relay received per party of its newest call."""
        calls = self.relay_sessions()
        if not calls:
            return {}
        status, call = self.api("/api/v1/calls")
        live = call.get("calls", [])
        if not live:
            return {}
        status, detail = self.api("/api/v1/calls/%d" % live[-1]["id"])
        return detail.get("media", {})

    def wait_browser_registered(self, user, proc, timeout=60):
        """Waits until `user` has a WebSocket contact (the browser `proc` registered), rather
        than a fixed time: Chromium can take ten seconds to start on a loaded machine."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc.poll() is not None:
                self.fail("the browser for %s exited before registering" % user)
            status, regs = self.api("/api/v1/registrations")
            for entry in regs.get("registrations", []):
                if (entry.get("aor", "").split(":")[-1].startswith(user + "@")
                        and entry.get("transport") in ("ws", "wss")):
                    return
            time.sleep(0.3)
        self.fail("%s did not register from the browser within %d s" % (user, timeout))

    def relay_media_while(self, proc, least=50, timeout=90, rtt=False):
        """Polls the relay's per-party packet counts of the live call while `proc` (the browser)
        runs, until both sides reached `least` (and, with `rtt`, both have a round-trip time);
        returns the last non-empty sample. (A fixed sleep missed the call when Chromium took
        long to start on a loaded machine.)"""
        quality = {}
        deadline = time.time() + timeout
        while proc.poll() is None and time.time() < deadline:
            sample = self.relay_packets_now()
            if sample:
                quality = sample
                if (min(d.get("packets", 0) for d in sample.values()) >= least
                        and (not rtt or all(d.get("rtt_ms") is not None
                                            for d in sample.values()))):
                    break
            time.sleep(0.5)
        return quality

    def check_codecs(self, name, media, codec, ptime):
        """Each direction of a call's media (GET /api/v1/calls/{id}, a CDR) names `codec`."""
        for side in ("from_caller", "from_callee"):
            got = media.get(side, {})
            if got.get("codec") != codec or got.get("ptime") != ptime:
                self.fail("%s: %s should be %s with ptime %d: %r" % (name, side, codec, ptime,
                                                                      media))

    def wait_idle(self, what):
        deadline = time.time() + 15
        while True:
            sessions = self.relay_sessions()
            calls = self.api("/api/v1/calls")[1].get("calls", [])
            if not sessions and not calls:
                return
            if time.time() > deadline:
                self.fail("%s: still %d relay sessions and calls %r" % (what, len(sessions), calls))
            time.sleep(0.3)

    def sipp_uas(self, name, scenario_xml=None, builtin=None, port=None, extra=(), media=None):
        argv = ["sipp", "-i", "127.0.0.1", "-p", str(port or self.uas_port), "-mi", "127.0.0.1",
                "-mp", str(media or self.uas_media), "-rtp_echo", "-m", "1", "-nostdin", "-timeout",
                "90s", "-trace_err"] + list(extra)
        if builtin:
            argv[1:1] = ["-sn", builtin]
        else:
            path = os.path.join(self.workdir, name + ".xml")
            if scenario_xml.startswith("<?xml"):
                with open(path, "w") as f:
                    f.write(scenario_xml)
                scenario_xml = path
            argv[1:1] = ["-sf", scenario_xml]
        return self.processes.start(name, argv)


def scenario_browser_calls_sipp_with_hold(run):
    with open(os.path.join(run.workdir, "uas_reinvite.xml"), "w") as f:
        f.write(UAS_REINVITE)
    uas = run.sipp_uas("uas_a", os.path.join(run.workdir, "uas_reinvite.xml"))
    time.sleep(0.5)
    caller = run.browser("browser_a", "alice", "--register", "--call", "sip:echo@localhost",
                         "--seconds", "10", "--hold")
    quality = run.relay_media_while(caller)
    stats = run.browser_result(caller, "browser_a")
    run.media_flowed("(a)", stats)
    print("(a) relay media quality during the call: %r" % quality)
    if min(d.get("packets", 0) for d in quality.values() or [{}]) < 50:
        run.fail("(a) the relay did not carry media from both sides: %r" % quality)
    # The sipp UAS answers PCMU only: both directions use it, in 20 ms packets.
    run.check_codecs("(a)", quality, "PCMU", 20)
    if stats.get("receivedAfterResume", 0) < 100:
        run.fail("(a) media did not come back after the resume: %r" % stats)
    if run.wait(uas, "(a) sipp UAS") != 0:
        run.fail("(a) sipp UAS failed (exit %d)" % uas.returncode)
    run.wait_idle("(a)")


def scenario_sipp_calls_browser(run):
    callee = run.browser("browser_b", "bob", "--answer", "--seconds", "5")
    run.wait_browser_registered("bob", callee)
    with open(os.path.join(run.workdir, "uac.xml"), "w") as f:
        f.write(uac_scenario(9000))
    # From 127.0.0.2: an outside caller (a trunk), which needs no digest to reach a local user.
    uac = run.processes.start("uac", ["sipp", "127.0.0.1:%d" % run.gateway.ports["udp"], "-sf",
                                      os.path.join(run.workdir, "uac.xml"), "-s", "bob", "-i",
                                      "127.0.0.2", "-mi", "127.0.0.2", "-p",
                                      str(kit.free_udp_port()), "-mp",
                                      str(kit.free_udp_port(even=True)), "-m", "1", "-nostdin",
                                      "-timeout", "60s", "-trace_err"])
    quality = run.relay_media_while(callee)
    stats = run.browser_result(callee, "browser_b")
    run.media_flowed("(b)", stats)
    print("(b) relay media quality during the call: %r" % quality)
    if run.wait(uac, "(b) sipp UAC", 60) != 0:
        run.fail("(b) sipp UAC failed (exit %d)" % uac.returncode)
    run.wait_idle("(b)")


def scenario_browser_to_browser(run):
    callee = run.browser("browser_c_callee", "carol", "--answer", "--seconds", "8")
    run.wait_browser_registered("carol", callee)
    caller = run.browser("browser_c_caller", "dave", "--call", "sip:carol@localhost",
                         "--seconds", "9")
    # Both browsers send RTCP (SR and RR): once each has echoed an SR of the other's that the
    # relay forwarded, each direction has the round trip of its sender's leg.
    quality = run.relay_media_while(caller, rtt=True)
    print("(c) relay media quality during the call: %r" % quality)
    run.check_codecs("(c)", quality, "opus", 20)
    if run.relay_kind != "rtpengine" and any(quality.get(side, {}).get("rtt_ms") is None
                                        for side in ("from_caller", "from_callee")):
        run.fail("(c) no round-trip time from the browsers' RTCP: %r" % quality)
    run.media_flowed("(c) caller", run.browser_result(caller, "browser_c_caller"))
    run.media_flowed("(c) callee", run.browser_result(callee, "browser_c_callee"))
    run.wait_idle("(c)")


def scenario_cancel_and_busy(run):
    uas = run.sipp_uas("uas_ring", UAS_RING_CANCEL)
    time.sleep(0.5)
    caller = run.browser("browser_d_cancel", "alice", "--call", "sip:echo@localhost",
                         "--cancel-after", "2500", "--seconds", "1")
    result = run.browser_result(caller, "browser_d_cancel")
    if "failed" not in result:
        run.fail("(d) the cancelled call did not fail: %r" % result)
    if run.wait(uas, "(d) sipp UAS (CANCEL)") != 0:
        run.fail("(d) sipp UAS did not see the CANCEL through")
    run.wait_idle("(d) after CANCEL")
    uas = run.sipp_uas("uas_busy", os.path.join(SCENARIOS, "uas_busy.xml"))
    time.sleep(0.5)
    caller = run.browser("browser_d_busy", "alice", "--call", "sip:echo@localhost",
                         "--expect-failure", "--seconds", "1")
    result = run.browser_result(caller, "browser_d_busy")
    if result.get("failed") != "Busy":
        run.fail("(d) expected Busy, got %r" % result)
    if run.wait(uas, "(d) sipp UAS (busy)") != 0:
        run.fail("(d) sipp UAS (busy) failed")
    run.wait_idle("(d) after 486")


def scenario_forking(run):
    # bob registers from a UDP port (digest), then sipp rings on that port without answering
    # (sipp cannot register and answer in one scenario; it gets the CANCEL).
    connection = siptest.Connection("udp", run.gateway.ports["udp"])
    port = connection.local[1]
    ua = siptest.UserAgent(connection, "bob", password="bobpw")
    registered = ua.register(expires=300)
    connection.close()
    if registered.status != 200:
        run.fail("(e) REGISTER from the sipp port failed: %d" % registered.status)
    uas = run.sipp_uas("uas_fork", UAS_RING_CANCEL, port=port)
    ua.contact_host = "127.0.0.1:%d" % port
    callee = run.browser("browser_e", "bob", "--answer", "--seconds", "5")
    run.wait_browser_registered("bob", callee)
    status, regs = run.api("/api/v1/registrations")
    contacts = [c for r in regs.get("registrations", []) for c in r.get("contacts", [r])]
    print("(e) registrations: %r" % regs)
    with open(os.path.join(run.workdir, "uac.xml"), "w") as f:
        f.write(uac_scenario(8000))
    uac = run.processes.start("uac_fork", ["sipp", "127.0.0.1:%d" % run.gateway.ports["udp"],
                                           "-sf", os.path.join(run.workdir, "uac.xml"), "-s",
                                           "bob", "-i", "127.0.0.2", "-mi", "127.0.0.2", "-p",
                                           str(kit.free_udp_port()), "-mp",
                                           str(kit.free_udp_port(even=True)), "-m", "1",
                                           "-nostdin", "-timeout", "60s", "-trace_err"])
    stats = run.browser_result(callee, "browser_e")
    run.media_flowed("(e)", stats)
    if run.wait(uac, "(e) sipp UAC", 60) != 0:
        run.fail("(e) sipp UAC failed (exit %d)" % uac.returncode)
    if run.wait(uas, "(e) sipp UAS") != 0:
        run.fail("(e) the forked sipp UAS did not see its branch cancelled (exit %d)"
                 % uas.returncode)
    run.wait_idle("(e)")


def hold_and_resume(run, name, call_id):
    """POST /hold: both sides re-INVITEd with inactive streams, the call on hold and its media
    stopped; POST /resume: media flows again."""
    def wait_state(state):
        deadline = time.time() + 15
        while time.time() < deadline:
            status, call = run.api("/api/v1/calls/%d" % call_id)
            if status == 200 and call.get("state") == state:
                return call
            time.sleep(0.3)
        run.fail("%s: the call did not reach %s: %r" % (name, state, call))

    def packets():
        media = run.api("/api/v1/calls/%d" % call_id)[1].get("media", {})
        return [media.get(side, {}).get("packets", 0) for side in ("from_caller", "from_callee")]

    status, reply = run.post("/api/v1/calls/%d/hold" % call_id, {})
    if status != 202 or reply.get("on_hold") is not True:
        run.fail("%s: hold answered %d: %r" % (name, status, reply))
    wait_state("on-hold")
    time.sleep(1)  # packets in flight when the streams went inactive
    before = packets()
    time.sleep(2)
    held = packets()
    if any(after - first > 10 for first, after in zip(before, held)):
        run.fail("%s: media still flows on hold: %r then %r" % (name, before, held))
    status, reply = run.post("/api/v1/calls/%d/resume" % call_id, {})
    if status != 202:
        run.fail("%s: resume answered %d: %r" % (name, status, reply))
    wait_state("confirmed")
    time.sleep(2.5)
    resumed = packets()
    if any(after - first < 50 for first, after in zip(held, resumed)):
        run.fail("%s: media did not come back after the resume: %r then %r" % (name, held,
                                                                                resumed))
    print("%s held (packets %r -> %r) and resumed (%r)" % (name, before, held, resumed))


def scenario_originate_browser_to_sipp(run):
    # Click-to-call: the API rings the browser first (an INVITE without an offer: the browser's
    # 200 offers), then the sipp UAS with that offer through the relay; the browser gets the
    # answer in our ACK.
    callee = run.browser("browser_f", "dave", "--answer", "--seconds", "16")
    run.wait_browser_registered("dave", callee)
    with open(os.path.join(run.workdir, "uas_reinvite.xml"), "w") as f:
        f.write(UAS_REINVITE)
    uas = run.sipp_uas("uas_f", os.path.join(run.workdir, "uas_reinvite.xml"))
    status, reply = run.post("/api/v1/calls", {"from": "dave", "to": "echo"})
    if status != 201:
        run.fail("(f) originate answered %d: %s" % (status, reply))
    call_id = reply["id"]
    run.relay_media_while(callee)
    hold_and_resume(run, "(f)", call_id)
    run.media_flowed("(f)", run.browser_result(callee, "browser_f"))
    if run.wait(uas, "(f) sipp UAS") != 0:
        run.fail("(f) sipp UAS failed (exit %d)" % uas.returncode)
    run.wait_idle("(f)")


def scenario_browser_video_calls_sipp(run):
    uas = run.sipp_uas("uas_g", UAS_AUDIO_VIDEO)
    try:
        siptest.wait_udp_bound(run.uas_port)
    except siptest.Failure as failure:
        run.fail("(g) %s" % failure)
    caller = run.browser("browser_g", "alice", "--call", "sip:echo@localhost", "--video",
                         "--seconds", "10")
    stats = run.browser_result(caller, "browser_g")
    run.media_flowed("(g) browser audio", stats)
    if stats.get("videoPacketsSent", 0) <= 100 or stats.get("videoPacketsReceived", 0) <= 100:
        run.fail("(g) video did not flow both ways through the bundle: %r" % stats)
    if run.wait(uas, "(g) sipp UAS") != 0:
        run.fail("(g) sipp UAS failed (exit %d)" % uas.returncode)
    run.wait_idle("(g)")


def scenario_sipp_video_calls_browser(run):
    callee = run.browser("browser_h", "bob", "--answer", "--video", "--seconds", "8")
    run.wait_browser_registered("bob", callee)
    text = uac_scenario(11000).replace(
        "a=fmtp:101 0-11,16\n",
        "a=fmtp:101 0-11,16\n      m=video [media_port+2] RTP/AVP 96\n"
        "      a=rtpmap:96 VP8/90000\n")
    text = text.replace("[auto_media_port]", "[media_port]")
    if "m=video" not in text:
        run.fail("(h) could not add video to the UAC scenario")
    with open(os.path.join(run.workdir, "uac_video.xml"), "w") as f:
        f.write(text)
    uac = run.processes.start("uac_h", ["sipp", "127.0.0.1:%d" % run.gateway.ports["udp"], "-sf",
                                        os.path.join(run.workdir, "uac_video.xml"), "-s", "bob",
                                        "-i", "127.0.0.2", "-mi", "127.0.0.2", "-p",
                                        str(kit.free_udp_port()), "-mp",
                                        str(kit.free_udp_port(even=True)), "-rtp_echo", "-m", "1",
                                        "-nostdin", "-timeout", "60s", "-trace_err"])
    stats = run.browser_result(callee, "browser_h")
    run.media_flowed("(h) browser audio", stats)
    if stats.get("videoPacketsSent", 0) <= 100 or stats.get("videoPacketsReceived", 0) <= 100:
        run.fail("(h) video did not flow both ways through the bundle: %r" % stats)
    if run.wait(uac, "(h) sipp UAC", 60) != 0:
        run.fail("(h) sipp UAC failed (exit %d)" % uac.returncode)
    run.wait_idle("(h)")


def scenario_dtmf(run):
    """JsSIP's sendDTMF as INFO and as RFC 4733 reaches a sipp phone that negotiated
    telephone-event as RFC 4733 events on its wire; a sipp phone's RFC 4733 digit reaches a
    browser that negotiated none as SIP INFO; each digit is one call.dtmf event, in order."""
    events = siptest.EventSocket(run.gateway.http_port, "/api/v1/events?types=call.dtmf")
    wire = siptest.RtpEventReceiver(echo=True)
    try:
        uas = run.sipp_uas("uas_i", os.path.join(SCENARIOS, "uas_answer_events.xml"),
                           extra=["-key", "te_port", str(wire.port)])
        time.sleep(0.5)
        caller = run.browser("browser_i", "alice", "--call", "sip:echo@localhost", "--seconds",
                             "3", "--dtmf-info", "12", "--dtmf-rfc2833", "3")
        # The phone's media port is the test's socket, which echoes the audio.
        run.media_flowed("(i) browser -> sipp", run.browser_result(caller, "browser_i"))
        if run.wait(uas, "(i) sipp UAS") != 0:
            run.fail("(i) sipp UAS failed (exit %d)" % uas.returncode)
        digits = wire.digits()
        print("(i) RFC 4733 events on the sipp phone's wire: %r" % digits)
        if [d[0] for d in digits] != [1, 2, 3] or any(ends < 1 for _, ends in digits):
            run.fail("(i) the phone's wire: %r, expected events 1 2 3, each ended" % digits)
        got = events.read_until(lambda e: len(e) >= 3, timeout=10)
        seen = [(e["digit"], e["source"], e["delivered_as"], e["direction"]) for e in got]
        expected = [("1", "info", "rfc4733", "from_caller"), ("2", "info", "rfc4733", "from_caller"),
                    ("3", "rfc4733", "passed", "from_caller")]
        if seen != expected:
            run.fail("(i) call.dtmf events %r, expected %r" % (seen, expected))
        run.wait_idle("(i) browser -> sipp")

        callee = run.browser("browser_i_callee", "bob", "--answer", "--seconds", "7",
                             "--no-telephone-event")
        run.wait_browser_registered("bob", callee)
        uac = siptest.sipp("uac_audio_dtmf.xml", run.gateway.ports["udp"], kit.free_udp_port(),
                           ["-s", "bob", "-au", "alice", "-ap", "alicepw", "-mp",
                            str(kit.free_udp_port(even=True))], timeout=60, background=True)
        stats = run.browser_result(callee, "browser_i_callee")
        if uac.wait(60) != 0:
            run.fail("(i) sipp UAC failed (exit %d)" % uac.returncode)
        if stats.get("infoDigits") != "1":
            run.fail("(i) the browser without telephone-event got INFO digits %r, expected '1'"
                     % stats.get("infoDigits"))
        got = events.read_until(lambda e: len(e) >= 4, timeout=10)[3]
        if (got["digit"], got["source"], got["delivered_as"]) != ("1", "rfc4733", "info"):
            run.fail("(i) call.dtmf for the phone's digit: %r" % got)
        run.wait_idle("(i) sipp -> browser")
    finally:
        wire.close()


def scenario_transfer(run):
    """Blind transfer through the API: a browser in a call with sipp phone A is sent a REFER
    (POST /api/v1/calls/{id}/transfer), calls sipp phone B itself (JsSIP), and the gateway ends
    the old call once B answered; media flows on the new call; call.transfer events report it."""
    events = siptest.EventSocket(run.gateway.http_port, "/api/v1/events?types=call.transfer")
    phone_a = run.sipp_uas("uas_j_a", builtin="uas")
    phone_b = run.sipp_uas("uas_j_b", builtin="uas", port=run.target_port,
                           media=kit.free_udp_port(even=True))
    time.sleep(0.5)
    caller = run.browser("browser_j", "alice", "--call", "sip:echo@localhost", "--seconds", "3",
                         "--accept-refer")
    deadline = time.time() + 60
    call_id = None
    while call_id is None:
        if time.time() > deadline or caller.poll() is not None:
            run.fail("(j) the browser's call to phone A was never answered")
        calls = run.api("/api/v1/calls")[1].get("calls", [])
        call_id = next((c["id"] for c in calls if c["state"] == "confirmed"), None)
        time.sleep(0.3)
    run.relay_media_while(caller, least=60, timeout=30)  # the old call's CDR counts its media
    status, reply = run.post("/api/v1/calls/%d/transfer" % call_id,
                             {"target": "sip:target@localhost"})
    if status != 202:
        run.fail("(j) transfer answered %d: %r" % (status, reply))
    stats = run.browser_result(caller, "browser_j")
    run.media_flowed("(j) browser -> phone B after the transfer", stats)
    if stats.get("referTo") != "sip:target@localhost" or not stats.get("oldEnded"):
        run.fail("(j) the browser's view of the transfer: %r" % stats)
    for proc, name in ((phone_a, "phone A"), (phone_b, "phone B")):
        if run.wait(proc, "(j) sipp " + name) != 0:
            run.fail("(j) sipp %s failed (exit %d)" % (name, proc.returncode))
    steps = [e["state"] for e in events.read_until(
        lambda e: any(x["state"] in ("completed", "failed") for x in e), timeout=10)]
    if steps[0] != "requested" or "accepted" not in steps or steps[-1] != "completed":
        run.fail("(j) call.transfer steps %r" % steps)
    run.wait_idle("(j) transfer")


def check_cdrs(run, expected_min):
    path = os.path.join(run.workdir, "cdr.jsonl")
    if not os.path.exists(path):
        run.fail("no CDR file at %s" % path)
    with open(path) as f:
        records = [json.loads(line) for line in f if line.strip()]
    print("CDRs: %d, reasons %r" % (len(records), [r.get("end_reason") for r in records]))
    if len(records) < expected_min:
        run.fail("expected at least %d CDRs, got %d" % (expected_min, len(records)))
    status, stored = run.api("/api/v1/cdrs?limit=100")
    if status != 200 or len(stored.get("cdrs", [])) != len(records):
        run.fail("the store has %r CDRs, the file %d" % (stored, len(records)))
    # Every relay (embedded, `rtcgate relay`, rtpengine-daemon) reports packets both ways in its
    # delete reply; media::NgCallStats reads either layout.
    answered = [r for r in records if r.get("answer")]
    for record in answered:
        media = record.get("media")
        if not media or any(media.get(side, {}).get("packets", 0) < 50
                            for side in ("from_caller", "from_callee")):
            run.fail("an answered call's CDR has no media statistics: %r" % record)
        if any(not media[side].get("codec") or not media[side].get("ptime")
               for side in ("from_caller", "from_callee")):
            run.fail("an answered call's CDR does not say which codec it used: %r" % record)


def start_external_relay(kind, binary, processes, workdir):
    port = kit.free_udp_port()
    if kind == "rtcgate":
        with open(os.path.join(workdir, "relay.yaml"), "w") as f:
            f.write("relay:\n  listen: [udp://127.0.0.1:%d]\nmedia:\n  ports: 41000-41999\n" % port)
        proc = processes.start("relay", [binary, "relay", "--config",
                                         os.path.join(workdir, "relay.yaml")])
    else:
        proc = processes.start("rtpengine", [
            "rtpengine", "--foreground", "--table=-1", "--interface=127.0.0.1",
            "--listen-ng=127.0.0.1:%d" % port, "--port-min=42000", "--port-max=42999",
            "--log-stderr", "--no-fallback", "--pidfile=" + os.path.join(workdir, "rtpe.pid")])
    deadline = time.time() + 10
    while (kit.ng(port, {"command": "ping"}, timeout=0.3, tries=1) or {}).get("result") != "pong":
        if proc.poll() is not None or time.time() > deadline:
            kit.fail(processes, "%s relay did not answer ng ping" % kind)
    return "udp://127.0.0.1:%d" % port


STEPS = [("a", scenario_browser_calls_sipp_with_hold,
          "browser -> sipp UAS (RTP/AVP), hold and resume, media both ways"),
         ("b", scenario_sipp_calls_browser, "sipp UAC (RTP/AVP) -> browser, media both ways"),
         ("c", scenario_browser_to_browser, "browser -> browser, media both ways"),
         ("d", scenario_cancel_and_busy, "CANCEL and 486 leave no session behind"),
         ("e", scenario_forking, "forking to a browser and a sipp UAS"),
         ("f", scenario_originate_browser_to_sipp, "originate: API rings a browser, then sipp"),
         ("g", scenario_browser_video_calls_sipp,
          "browser audio+video (BUNDLE) -> sipp UAS echoing both, media both ways"),
         ("h", scenario_sipp_video_calls_browser,
          "sipp UAC audio+video -> browser (bundled offer), media both ways"),
         ("i", scenario_dtmf,
          "DTMF: browser INFO and RFC 4733 -> sipp as events; sipp events -> browser as INFO"),
         ("j", scenario_transfer,
          "blind transfer through the API: browser in a call with sipp A calls sipp B")]


def run_with_relay(binary, relay, only):
    """One gateway (with its relay) through the chosen scenarios."""
    workdir = tempfile.mkdtemp(prefix="rtcgate-e2e-gw-")
    helpers = kit.Processes(workdir)
    run = None
    try:
        relay_urls = None
        if relay != "embedded":
            relay_urls = [start_external_relay(relay, binary, helpers, workdir)]
        run = Run(binary, workdir, relay_urls, relay)
        run.gateway.start()
        for key, step, what in STEPS:
            if key in only:
                step(run)
                print("PASS (%s): %s [relay %s]" % (key, what, relay))
        check_cdrs(run, 1)
        status = run.gateway.stop()
        if status != 0:
            run.fail("rtcgate exited with %d on SIGTERM" % status)
    finally:
        if run:
            if run.gateway.process and run.gateway.process.proc.poll() is None:
                run.gateway.stop()
            run.processes.stop_all()
        helpers.stop_all()
    shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--build-dir", default="")
    parser.add_argument("--relay", choices=["all", "embedded", "rtcgate", "rtpengine"],
                        default="all", help="all: every scenario with the embedded relay, then "
                        "(a) over ng with `rtcgate relay` and with rtpengine-daemon")
    parser.add_argument("--only", default=None, help="scenario letters, e.g. 'ad'")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    for tool in ("sipp", "node", "unshare", "ip", "rtpengine"):
        if shutil.which(tool) is None:
            print("FAIL: %s is not installed" % tool, file=sys.stderr)
            return 1
    if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
        print("FAIL: run `npm ci` in tests/e2e first", file=sys.stderr)
        return 1
    enter_namespace()
    if args.relay == "all":
        plan = [("embedded", args.only or "abcdefghij"), ("rtcgate", args.only or "a"),
                ("rtpengine", args.only or "a")]
    else:
        plan = [(args.relay, args.only or "abcdefghij")]
    for relay, only in plan:
        run_with_relay(args.binary, relay, only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
