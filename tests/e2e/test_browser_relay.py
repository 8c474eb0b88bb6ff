#!/usr/bin/env python3
"""A real browser through `rtcgate relay`: Chromium running JsSIP, Kamailio, sipp.

Chromium (Debian package, driven by playwright-core from npm) runs JsSIP (npm) registered over
WebSocket to Kamailio (websocket + rtpengine modules), whose rtpengine socket points at
`rtcgate relay`. The relay bridges the browser's UDP/TLS/RTP/SAVPF (ICE-lite, DTLS-SRTP, rtcp-mux)
to sipp's plain RTP/AVP, with the flags Kamailio installations use:
  toward SIP:     ICE=remove RTP/AVP rtcp-mux-demux
  toward browser: ICE=force UDP/TLS/RTP/SAVPF rtcp-mux-offer generate-mid SDES-off
Scenarios: (a) browser calls a sipp UAS that echoes RTP; (b) a sipp UAC offering RTP/AVP calls the
registered browser, which auto-answers; (c) browser calls browser through the relay. Each checks
the browser's getStats (packets sent and received > 100) and the relay's own counters.

Everything runs in a private network namespace with only loopback (the script re-executes itself
under `unshare -n`), so it needs root or unprivileged user namespaces. Every process started here
is stopped here, by PID.
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
import test_relay_kamailio as kit  # noqa: E402  (bencode/ng client, process handling, sipp UAC)

TOWARD_SIP = "ICE=remove RTP/AVP rtcp-mux-demux replace-origin replace-session-connection"
TOWARD_BROWSER = ("ICE=force UDP/TLS/RTP/SAVPF rtcp-mux-offer generate-mid SDES-off replace-origin "
                  "replace-session-connection")
BROWSER_TO_BROWSER = ("ICE=force UDP/TLS/RTP/SAVPF rtcp-mux-require generate-mid SDES-off "
                      "replace-origin replace-session-connection")

KAMAILIO_CFG = """#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=2
tcp_accept_no_cl=yes
listen=udp:127.0.0.1:{sip_port}
listen=tcp:127.0.0.1:{ws_port}
mpath="{modules}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "nathelper.so"
loadmodule "xhttp.so"
loadmodule "websocket.so"
loadmodule "rtpengine.so"
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:{ng_port}")
modparam("nathelper", "received_avp", "$avp(RECEIVED)")
modparam("registrar", "received_avp", "$avp(RECEIVED)")

#!define FROM_WS 1
#!define TO_WS 2

event_route[xhttp:request] {{
    if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade" && $rm == "GET") {{
        if (ws_handle_handshake()) exit;
    }}
    xhttp_reply("404", "Not Found", "", "");
}}

request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (proto == WS || proto == WSS) setflag(FROM_WS);
    if (is_method("REGISTER")) {{
        if (isflagset(FROM_WS)) fix_nated_register();
        save("location");
        exit;
    }}
    if (has_totag()) {{
        # sipp's UAC scenario sends ACK/BYE to the proxy without Route: find the browser again.
        if (!loose_route() && $rU != $null) lookup("location");
        handle_ruri_alias();
    }} else if (is_method("INVITE")) {{
        record_route();
        if (isflagset(FROM_WS)) add_contact_alias();
        if ($rU == "echo") {{
            $du = "sip:127.0.0.1:{uas_port}";
        }} else if (!lookup("location")) {{
            sl_send_reply("404", "Not Found");
            exit;
        }}
        if ($du =~ "transport=ws") setflag(TO_WS);
    }}
    if (is_method("INVITE") && has_body("application/sdp")) {{
        if (isflagset(TO_WS) && isflagset(FROM_WS)) rtpengine_offer("{b2b}");
        else if (isflagset(TO_WS)) rtpengine_offer("{to_browser}");
        else rtpengine_offer("{to_sip}");
        t_on_reply("MANAGE_REPLY");
    }}
    if (is_method("BYE|CANCEL")) rtpengine_delete();
    if (!t_relay()) sl_reply_error();
    exit;
}}

onreply_route[MANAGE_REPLY] {{
    if (isflagset(TO_WS)) add_contact_alias();
    if (has_body("application/sdp")) {{
        if (isflagset(TO_WS) && isflagset(FROM_WS)) rtpengine_answer("{b2b}");
        else if (isflagset(FROM_WS)) rtpengine_answer("{to_browser}");
        else rtpengine_answer("{to_sip}");
    }}
}}
"""


def enter_namespace():
    """Re-executes this script in a new network namespace with only `lo`, once."""
    if os.environ.get("RTCGATE_E2E_NETNS") == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return
    env = dict(os.environ, RTCGATE_E2E_NETNS="1")
    result = subprocess.run(["unshare", "-n", sys.executable] + sys.argv, env=env)
    sys.exit(result.returncode)


def browser(processes, name, ws_port, *extra):
    return processes.start(name, ["node", os.path.join(HERE, "browser_call.js"), "--ws",
                                  "ws://127.0.0.1:%d" % ws_port] + list(extra), cwd=HERE)


def wait_milestone(processes, proc, name, milestone, timeout=60):
    """Waits until browser `name` printed '# milestone' (see browser_call.js)."""
    deadline = time.time() + timeout
    path = os.path.join(processes.workdir, name + ".log")
    while True:
        with open(path, "rb") as f:
            if ("# %s\n" % milestone).encode() in f.read():
                return
        if proc.poll() is not None or time.time() > deadline:
            kit.fail(processes, "%s: no '%s' within %d s" % (name, milestone, timeout))
        time.sleep(0.2)


def browser_stats(processes, proc, name, timeout):
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kit.fail(processes, "%s did not finish within %d s" % (name, timeout))
    if proc.returncode != 0:
        kit.fail(processes, "%s failed (exit %d)" % (name, proc.returncode))
    lines = [l for l in processes.log(name).splitlines() if l.startswith("{")]
    if not lines:
        kit.fail(processes, "%s printed no statistics" % name)
    stats = json.loads(lines[-1])
    print("%s: %s" % (name, stats))
    if stats.get("packetsSent", 0) <= 100 or stats.get("packetsReceived", 0) <= 100:
        kit.fail(processes, "%s: media did not flow both ways: %r" % (name, stats))
    return stats


def relay_packets(ng_port, call_id_hint=None):
    """Packets the relay saw from each party of its (only or newest) call."""
    calls = (kit.ng(ng_port, {"command": "list"}) or {}).get("calls", [])
    if not calls:
        return {}
    query = kit.ng(ng_port, {"command": "query", "call-id": calls[-1]}) or {}
    return {tag: kit.stream_packets(party) for tag, party in query.get("tags", {}).items()}


def relay_packets_while(proc, ng_port, least=50, timeout=90):
    """Polls the relay's per-party packet counts while `proc` (the browser) runs, until both
    parties reached `least`; returns the last non-empty sample. A fixed sleep missed the call
    when Chromium took long to start on a loaded machine."""
    counts = {}
    deadline = time.time() + timeout
    while proc.poll() is None and time.time() < deadline:
        sample = relay_packets(ng_port)
        if sample:
            counts = sample
            if len(sample) == 2 and min(sample.values()) >= least:
                break
        time.sleep(0.3)
    return counts


def wait_relay_idle(processes, ng_port):
    deadline = time.time() + 10
    while (kit.ng(ng_port, {"command": "list"}) or {}).get("calls"):
        if time.time() > deadline:
            kit.fail(processes, "relay still holds a call after the hangup")
        time.sleep(0.2)


def scenario_browser_calls_sipp(processes, ports):
    uas = processes.start("uas", ["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p",
                                  str(ports["uas"]), "-mi", "127.0.0.1", "-mp",
                                  str(ports["uas_media"]), "-rtp_echo", "-m", "1", "-nostdin",
                                  "-timeout", "60s", "-trace_err"])
    time.sleep(0.5)
    caller = browser(processes, "browser_a", ports["ws"], "--user", "alice", "--call",
                     "sip:echo@127.0.0.1", "--seconds", "7")
    counts = relay_packets_while(caller, ports["ng"])
    stats = browser_stats(processes, caller, "browser_a", 60)
    print("(a) relay per-party packets during the call: %r" % counts)
    if len(counts) != 2 or min(counts.values()) < 50:
        kit.fail(processes, "(a) relay did not carry media from both parties: %r" % counts)
    uas.wait(timeout=30)
    wait_relay_idle(processes, ports["ng"])
    return stats


def scenario_sipp_calls_browser(processes, ports, workdir):
    callee = browser(processes, "browser_b", ports["ws"], "--user", "bob", "--answer",
                     "--seconds", "5")
    wait_milestone(processes, callee, "browser_b", "registered")
    with open(os.path.join(workdir, "uac.xml"), "w") as f:
        f.write(kit.UAC_SCENARIO.replace("{pcap}", kit.PCAP).replace("{talk_ms}", "9000"))
    uac = processes.start("uac", ["sipp", "127.0.0.1:%d" % ports["sip"], "-sf",
                                  os.path.join(workdir, "uac.xml"), "-s", "bob", "-i",
                                  "127.0.0.1", "-mi", "127.0.0.1", "-p", str(ports["uac"]),
                                  "-mp", str(ports["uac_media"]), "-m", "1", "-nostdin",
                                  "-timeout", "60s", "-trace_err"])
    counts = relay_packets_while(callee, ports["ng"])
    stats = browser_stats(processes, callee, "browser_b", 60)
    print("(b) relay per-party packets during the call: %r" % counts)
    if len(counts) != 2 or min(counts.values()) < 50:
        kit.fail(processes, "(b) relay did not carry media from both parties: %r" % counts)
    if uac.wait(timeout=60) != 0:
        kit.fail(processes, "(b) sipp UAC failed (exit %d)" % uac.returncode)
    wait_relay_idle(processes, ports["ng"])
    return stats


def relayed_packets(ng_port):
    reply = kit.ng(ng_port, {"command": "statistics"}) or {}
    return reply.get("statistics", {}).get("totalstatistics", {}).get("relayedpackets", 0)


def scenario_browser_to_browser(processes, ports):
    before = relayed_packets(ports["ng"])
    callee = browser(processes, "browser_c_callee", ports["ws"], "--user", "carol", "--answer",
                     "--seconds", "5")
    wait_milestone(processes, callee, "browser_c_callee", "registered")
    caller = browser(processes, "browser_c_caller", ports["ws"], "--user", "dave", "--call",
                     "sip:carol@127.0.0.1", "--seconds", "6")
    stats = browser_stats(processes, caller, "browser_c_caller", 60)
    browser_stats(processes, callee, "browser_c_callee", 60)
    wait_relay_idle(processes, ports["ng"])
    # The relay replaced both browsers' candidates with its own: all media went through it.
    relayed = relayed_packets(ports["ng"]) - before
    print("(c) packets relayed: %d" % relayed)
    if relayed < 400:
        kit.fail(processes, "(c) the relay forwarded only %d packets" % relayed)
    return stats


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--build-dir", default="")
    parser.add_argument("--only", choices=["a", "b", "c"], default=None)
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    for tool in ("kamailio", "sipp", "node", "unshare", "ip"):
        if shutil.which(tool) is None:
            print("FAIL: %s is not installed" % tool, file=sys.stderr)
            return 1
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(chromium):
        print("FAIL: %s missing (apt-get install chromium)" % chromium, file=sys.stderr)
        return 1
    if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
        print("FAIL: run `npm ci` in tests/e2e first", file=sys.stderr)
        return 1
    enter_namespace()

    workdir = tempfile.mkdtemp(prefix="rtcgate-e2e-")
    processes = kit.Processes(workdir)
    ports = {name: kit.free_udp_port() for name in ("ng", "sip", "ws", "uas", "uac")}
    ports["uas_media"] = kit.free_udp_port(even=True)
    ports["uac_media"] = kit.free_udp_port(even=True)
    with open(os.path.join(workdir, "relay.yaml"), "w") as f:
        f.write("relay:\n  listen: [udp://127.0.0.1:%d]\nmedia:\n  ports: 40000-40999\n"
                "  timeout: 60\n" % ports["ng"])
    with open(os.path.join(workdir, "kamailio.cfg"), "w") as f:
        f.write(KAMAILIO_CFG.format(sip_port=ports["sip"], ws_port=ports["ws"],
                                    modules=kit.KAMAILIO_MODULES, ng_port=ports["ng"],
                                    uas_port=ports["uas"], to_sip=TOWARD_SIP,
                                    to_browser=TOWARD_BROWSER, b2b=BROWSER_TO_BROWSER))
    try:
        relay = processes.start("relay", [args.binary, "relay", "--config",
                                          os.path.join(workdir, "relay.yaml")])
        deadline = time.time() + 10
        while (kit.ng(ports["ng"], {"command": "ping"}, timeout=0.3, tries=1) or {}).get(
                "result") != "pong":
            if relay.poll() is not None or time.time() > deadline:
                kit.fail(processes, "rtcgate relay did not answer ng ping")
        kamailio = processes.start("kamailio", ["kamailio", "-f",
                                                os.path.join(workdir, "kamailio.cfg"), "-DD", "-E",
                                                "-w", workdir, "-Y", workdir, "-m", "64", "-M",
                                                "8"])
        deadline = time.time() + 10
        while not kit.udp_port_taken(ports["sip"]):
            if kamailio.poll() is not None or time.time() > deadline:
                kit.fail(processes, "kamailio did not start")
            time.sleep(0.1)
        time.sleep(0.5)
        if args.only in (None, "a"):
            scenario_browser_calls_sipp(processes, ports)
            print("PASS (a): browser -> sipp UAS (RTP/AVP echo), media both ways")
        if args.only in (None, "b"):
            scenario_sipp_calls_browser(processes, ports, workdir)
            print("PASS (b): sipp UAC (RTP/AVP) -> browser, media both ways")
        if args.only in (None, "c"):
            scenario_browser_to_browser(processes, ports)
            print("PASS (c): browser -> browser through the relay, media both ways")
        stats = kit.ng(ports["ng"], {"command": "statistics"})["statistics"]["totalstatistics"]
        print("relay statistics: %r" % stats)
    finally:
        processes.stop_all()
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
