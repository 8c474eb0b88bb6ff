#!/usr/bin/env python3
"""WebRTC call set-up time: rtcgate run alone vs Kamailio + rtpengine-daemon, in the same run.

A headless Chromium (JsSIP) places N calls one after another to a sipp UAS (RTP/AVP, echo)
through each gateway and measures, per call, the time from the browser's INVITE leaving it
(JsSIP 'sending', after the browser built its offer) to its first received RTP packet and to
'confirmed'. Prints the medians and the ratio
rtcgate / (Kamailio + rtpengine). Both gateways do the same work: WebSocket in, UDP out, media
anchored with the same flags; digest auth is off on both (Kamailio's test config has none).

Runs in a private network namespace (unshare -n) with loopback only; every process started here
is stopped here. Needs tests/e2e/node_modules (npm ci --prefix tests/e2e), chromium, kamailio,
rtpengine, sipp.

usage: bench/gateway/call_setup.py --binary build/rtcgate [--calls 10]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import siptest  # noqa: E402
import test_browser_relay as kamailio_kit  # noqa: E402
import test_relay_kamailio as kit  # noqa: E402


SIGNALLING_CALLS = 50


def time_calls(processes, name, ws_url, calls):
    proc = processes.start(name, ["node", os.path.join(HERE, "call_setup.js"), "--ws", ws_url,
                                  "--target", "sip:echo@127.0.0.1", "--calls", str(calls)])
    proc.wait(timeout=60 + calls * 10)
    lines = [l for l in processes.log(name).splitlines() if l.startswith("[")]
    if proc.returncode != 0 or not lines:
        kit.fail(processes, "%s: browser calls failed" % name)
    return json.loads(lines[-1])


def sipp_echo(processes, name, port, calls):
    return processes.start(name, ["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(port),
                                  "-mi", "127.0.0.1", "-mp", str(kit.free_udp_port(even=True)),
                                  "-rtp_echo", "-m", str(calls), "-nostdin", "-timeout", "300s"])


# A Chromium offer as JsSIP sends it (ICE, DTLS fingerprint, actpass, rtcp-mux, BUNDLE of one).
WEBRTC_OFFER = (
    "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "a=group:BUNDLE 0\r\na=msid-semantic: WMS\r\n"
    "m=audio 50000 UDP/TLS/RTP/SAVPF 111 0 8\r\nc=IN IP4 127.0.0.1\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0\r\n"
    "a=ice-ufrag:bnch\r\na=ice-pwd:benchbenchbenchbenchbe\r\na=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32) + "\r\n"
    "a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n")


def signalling_ms(ws_port, calls):
    """INVITE with a browser's offer -> 200, over WebSocket without a browser: the gateway's own
    share of set-up (WebSocket in, relay offer, UDP out, the UAS, relay answer), per call."""
    ua = siptest.UserAgent(siptest.Connection("ws", ws_port), "alice")
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        final, dialog = siptest.place_call(ua, "echo", hangup=False, body=WEBRTC_OFFER)
        times.append((time.perf_counter() - start) * 1000)
        siptest.check(final.status == 200, "signalling call answered %d" % final.status)
        ua.transact(siptest.in_dialog_request(ua, dialog, "BYE"))
        time.sleep(0.05)
    return times


def medians(results):
    return (statistics.median(r["firstMediaMs"] for r in results),
            statistics.median(r["confirmedMs"] for r in results))


def median_of(results, key):
    values = [r[key] for r in results if key in r]
    return statistics.median(values) if values else float("nan")


def run_rtcgate(binary, processes, calls):
    uas_port = kit.free_udp_port()
    gateway = siptest.Gateway(binary, auth=False, transports=("udp", "ws"),
                              extra_yaml="log: { level: warn }\nroutes:\n"
                                         "  - { match: '^echo$', to: [sip:127.0.0.1:%d] }\n"
                                         % uas_port)
    gateway.config_text = open(gateway.config).read().replace("log: { level: debug }\n", "")
    with open(gateway.config, "w") as f:
        f.write(gateway.config_text)
    gateway.start()
    try:
        sipp_echo(processes, "uas_rtcgate", uas_port, calls + SIGNALLING_CALLS)
        siptest.wait_udp_bound(uas_port)
        browser = time_calls(processes, "browser_rtcgate",
                             "ws://127.0.0.1:%d" % gateway.ports["ws"], calls)
        return browser, signalling_ms(gateway.ports["ws"], SIGNALLING_CALLS)
    finally:
        gateway.stop()


def run_kamailio(processes, workdir, calls):
    ports = {name: kit.free_udp_port() for name in ("ng", "sip", "ws", "uas")}
    processes.start("rtpengine", [
        "rtpengine", "--foreground", "--table=-1", "--interface=127.0.0.1",
        "--listen-ng=127.0.0.1:%d" % ports["ng"], "--port-min=43000", "--port-max=43999",
        "--log-level=4", "--no-fallback", "--pidfile=" + os.path.join(workdir, "rtpe.pid")])
    deadline = time.time() + 10
    while (kit.ng(ports["ng"], {"command": "ping"}, timeout=0.3, tries=1) or {}).get(
            "result") != "pong":
        if time.time() > deadline:
            kit.fail(processes, "rtpengine did not answer ng ping")
    with open(os.path.join(workdir, "kamailio.cfg"), "w") as f:
        f.write(kamailio_kit.KAMAILIO_CFG.replace("debug=2", "debug=1").format(
            sip_port=ports["sip"], ws_port=ports["ws"], modules=kit.KAMAILIO_MODULES,
            ng_port=ports["ng"], uas_port=ports["uas"], to_sip=kamailio_kit.TOWARD_SIP,
            to_browser=kamailio_kit.TOWARD_BROWSER, b2b=kamailio_kit.BROWSER_TO_BROWSER))
    processes.start("kamailio", ["kamailio", "-f", os.path.join(workdir, "kamailio.cfg"), "-DD",
                                 "-E", "-w", workdir, "-Y", workdir, "-m", "64", "-M", "8"])
    deadline = time.time() + 10
    while not kit.udp_port_taken(ports["sip"]):
        if time.time() > deadline:
            kit.fail(processes, "kamailio did not start")
        time.sleep(0.1)
    sipp_echo(processes, "uas_kamailio", ports["uas"], calls + SIGNALLING_CALLS)
    siptest.wait_udp_bound(ports["uas"])
    browser = time_calls(processes, "browser_kamailio", "ws://127.0.0.1:%d" % ports["ws"], calls)
    return browser, signalling_ms(ports["ws"], SIGNALLING_CALLS)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    kamailio_kit.enter_namespace()
    workdir = tempfile.mkdtemp(prefix="rtcgate-bench-setup-")
    processes = kit.Processes(workdir)
    try:
        ours, our_signalling = run_rtcgate(args.binary, processes, args.calls)
        theirs, their_signalling = run_kamailio(processes, workdir, args.calls)
    finally:
        processes.stop_all()
    our_media, our_confirmed = medians(ours)
    their_media, their_confirmed = medians(theirs)
    print("calls per gateway: %d (median of each)" % args.calls)
    print("%-28s %14s %14s" % ("", "first media ms", "confirmed ms"))
    print("%-28s %14.1f %14.1f" % ("rtcgate run", our_media, our_confirmed))
    print("%-28s %14.1f %14.1f" % ("kamailio + rtpengine", their_media, their_confirmed))
    print("%-28s %14.2f %14.2f" % ("ratio rtcgate / anchor", our_media / their_media,
                                   our_confirmed / their_confirmed))
    print("milestones (median ms after the INVITE): ICE connected %.1f / %.1f, DTLS connected "
          "%.1f / %.1f, browser's first RTP sent %.1f / %.1f (rtcgate / anchor)"
          % (median_of(ours, "iceMs"), median_of(theirs, "iceMs"), median_of(ours, "dtlsMs"),
             median_of(theirs, "dtlsMs"), median_of(ours, "firstSentMs"),
             median_of(theirs, "firstSentMs")))
    ours_ms, theirs_ms = (statistics.median(t) for t in (our_signalling, their_signalling))
    print("gateway's own share, INVITE (browser offer, WebSocket) -> 200, median of %d calls "
          "without a browser: rtcgate %.2f ms, kamailio + rtpengine %.2f ms, ratio %.2f"
          % (SIGNALLING_CALLS, ours_ms, theirs_ms, ours_ms / theirs_ms))
    before_invite = statistics.median(r.get("callToInviteMs", 0) for r in ours + theirs)
    print("browser's own time before the INVITE (not counted above): %.1f ms median"
          % before_invite)
    return 0


if __name__ == "__main__":
    sys.exit(main())
