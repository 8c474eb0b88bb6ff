#!/usr/bin/env python3
"""Concurrent bridged calls: rtcgate run vs Kamailio + rtpengine-daemon, in the same run.

Each call is signalling and media as a gateway carries it: a sipp UAC over UDP (RTP/AVP offer)
calls through the gateway into a WebRTC-profile leg answered by tests/tools/webrtcuas, which does
ICE, DTLS-SRTP and sends SRTP, while its plain socket (named in the UAC's SDP) sends RTP the
other way; every packet names its call, so loss is counted per direction, after decryption.
  rtcgate:  `rtcgate run`, a route with `media: { srtp: dtls }` to the peer, embedded relay.
  anchor:   Kamailio (rtpengine module) + rtpengine-daemon 10.5 (userspace, --table=-1) with the
            flags OpenSIPS/Kamailio WebRTC set-ups use ('ICE=force UDP/TLS/RTP/SAVPF ...'
            towards the WebRTC leg, 'ICE=remove RTP/AVP ...' towards SIP).
For each level C (calls at once) the UAC starts C calls at --cps; every call talks long enough
that all C talk together for --steady seconds (50 packets/s each way per call). A level passes
with zero failed calls (sipp and the peer) and under 0.1% loss each way, with the peer offering
at least 98% of the nominal packets ("offered%"; below that the row says "peer"). Levels are run
in turn on both gateways; a gateway stops climbing at its first failed level. Prints one row per level
and gateway and the highest passing level of each with the ratio rtcgate / anchor.

Runs in a private network namespace (unshare -n) with loopback only; every process started here
is stopped here. Needs kamailio (+ kamailio-extra-modules), rtpengine, sipp, and the webrtcuas
tool from the build.

usage: bench/gateway/concurrent_calls.py --binary build/rtcgate --peer build/webrtcuas
                                         [--levels 100,200,400,...] [--cps 50] [--steady 10]
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "bench", "relay"))
import run_bench  # noqa: E402  (cpu_seconds, raise_fd_limit, ping)
import test_browser_relay as e2e  # noqa: E402  (enter_namespace, the Kamailio flags)
import test_relay_kamailio as kit  # noqa: E402  (ng client, free ports, Processes)

PPS = 50  # per call and direction: 20 ms PCMU
LOSS_LIMIT = 0.001
# The load peer sends every call's packets on one thread; on 2 cores shared with the gateway it
# falls behind past ~1,100 calls. A level whose offered load is below this share of the nominal
# rate measured the peer, not the gateway: it is reported as "peer" and ends the climb.
OFFERED_MIN = 0.98
SLACK_S = 4  # hold beyond the talk window: set-up under load, nothing in flight at BYE

KAMAILIO_CFG = """#!KAMAILIO
debug=1
log_stderror=yes
children=2
disable_tcp=yes
listen=udp:127.0.0.1:{sip_port}
mpath="{modules}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "rtpengine.so"
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:{ng_port}")

request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{
        if (!loose_route()) {{
            if (is_method("ACK") && t_check_trans()) t_relay();
            else sl_send_reply("404", "Not here");
            exit;
        }}
        if (is_method("BYE")) rtpengine_delete();
        t_relay();
        exit;
    }}
    if (is_method("CANCEL")) {{
        if (t_check_trans()) {{ rtpengine_delete(); t_relay(); }}
        exit;
    }}
    if (!is_method("INVITE")) {{ sl_send_reply("405", "Method Not Allowed"); exit; }}
    record_route();
    $du = "sip:127.0.0.1:{uas_port}";
    if (has_body("application/sdp")) {{
        rtpengine_offer("{to_webrtc}");
        t_on_reply("ANSWER");
        t_on_failure("FAILED");
    }}
    t_relay();
    exit;
}}

onreply_route[ANSWER] {{
    if (has_body("application/sdp")) rtpengine_answer("{to_sip}");
}}

failure_route[FAILED] {{
    rtpengine_delete();
}}
"""


def group_cpu_seconds(pgid):
    """CPU seconds of every process in a process group (Kamailio forks its children)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    total += run_bench.cpu_seconds(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return total


class Stack:
    """One gateway under test: its processes, SIP port, and the peer port its route targets."""

    def __init__(self, name, processes, sip_port, uas_port, groups, idle):
        self.name = name
        self.processes = processes
        self.sip_port = sip_port
        self.uas_port = uas_port
        self.groups = groups  # process groups whose CPU is the gateway's
        self.idle = idle  # () -> True when no call is left in the gateway

    def cpu(self):
        return sum(group_cpu_seconds(pgid) for pgid in self.groups)


def start_rtcgate(binary, processes, workdir, workers):
    sip_port, uas_port = kit.free_udp_port(), kit.free_udp_port()
    http_port = kit.free_udp_port()
    config = os.path.join(workdir, "rtcgate.yaml")
    with open(config, "w") as f:
        f.write("node: { id: bench, data_dir: %s/data }\nlog: { level: warn }\n"
                "sip:\n  domains: [localhost]\n  listen: [udp://127.0.0.1:%d]\n  auth: false\n"
                "media: { ports: 30000-39999, timeout: 60, workers: %d }\n"
                "http: { listen: 127.0.0.1:%d }\n"
                "routes:\n  - { match: '^load', to: [sip:127.0.0.1:%d], media: { srtp: dtls } }\n"
                "security: { rate_limit: { requests_per_second: 0 }, max_dialogs: 1000000 }\n"
                % (workdir, sip_port, workers, http_port, uas_port))
    proc = start(processes, "rtcgate", [binary, "run", "--config", config])
    wait_for(lambda: kit.udp_port_taken(sip_port), proc, processes, "rtcgate did not start")

    def idle():
        with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/calls" % http_port) as r:
            return not json.load(r)["calls"]
    return Stack("rtcgate", processes, sip_port, uas_port, [proc.pid], idle)


def start_anchor(processes, workdir):
    sip_port, uas_port, ng_port = (kit.free_udp_port() for _ in range(3))
    rtpengine = start(processes, "rtpengine", [
        "rtpengine", "--foreground", "--table=-1", "--interface=127.0.0.1",
        "--listen-ng=127.0.0.1:%d" % ng_port, "--port-min=20000", "--port-max=29999",
        "--log-level=4", "--log-stderr", "--no-fallback", "--delete-delay=0",
        "--pidfile=" + os.path.join(workdir, "rtpe.pid")])
    wait_for(lambda: run_bench.ping(ng_port), rtpengine, processes, "rtpengine did not start")
    with open(os.path.join(workdir, "kamailio.cfg"), "w") as f:
        f.write(KAMAILIO_CFG.format(sip_port=sip_port, modules=kit.KAMAILIO_MODULES,
                                    ng_port=ng_port, uas_port=uas_port,
                                    to_webrtc=e2e.TOWARD_BROWSER, to_sip=e2e.TOWARD_SIP))
    kamailio = start(processes, "kamailio", [
        "kamailio", "-f", os.path.join(workdir, "kamailio.cfg"), "-DD", "-E", "-w", workdir,
        "-Y", workdir, "-m", "256", "-M", "16"])
    wait_for(lambda: kit.udp_port_taken(sip_port), kamailio, processes, "kamailio did not start")

    def idle():
        return not (kit.ng(ng_port, {"command": "list"}) or {}).get("calls")
    return Stack("kamailio+rtpengine", processes, sip_port, uas_port,
                 [kamailio.pid, rtpengine.pid], idle)


def start(processes, name, argv):
    """With the open-files limit raised: a socket per media port."""
    return processes.start(name, argv, preexec_fn=run_bench.raise_fd_limit)


def wait_for(condition, proc, processes, message, timeout=15):
    deadline = time.time() + timeout
    while not condition():
        if proc.poll() is not None or time.time() > deadline:
            kit.fail(processes, message)
        time.sleep(0.1)


def start_peer(peer, stack, talk_s):
    proc = subprocess.Popen([peer, "--sip-port", str(stack.uas_port), "--talk", str(talk_s),
                             "--pps", str(PPS)], stdout=subprocess.PIPE,
                            stderr=open(os.path.join(stack.processes.workdir, "peer.log"), "ab"),
                            preexec_fn=run_bench.raise_fd_limit)
    line = proc.stdout.readline().decode()
    match = re.match(r"ready sip=(\d+) plain=(\d+)", line)
    if not match:
        proc.kill()
        kit.fail(stack.processes, "webrtcuas did not start: %r" % line)
    return proc, int(match.group(2))


def stop_peer(proc):
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    lines = [l for l in out.decode().splitlines() if l.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def sipp_counts(workdir):
    """Successful and failed calls from sipp's final screen (-trace_screen)."""
    counts = {"ok": 0, "failed": 0}
    for name in os.listdir(workdir):
        if name.endswith("_screen.log"):
            text = open(os.path.join(workdir, name), errors="replace").read()
            for key, label in (("ok", "Successful call"), ("failed", "Failed call")):
                found = re.findall(r"%s\s+\|\s+\d+\s+\|\s+(\d+)" % label, text)
                if found:
                    counts[key] = int(found[-1])
            os.remove(os.path.join(workdir, name))
    return counts


def loss(direction):
    sent = direction.get("sent", 0)
    return 1.0 if sent == 0 else max(0, sent - direction.get("received", 0)) / sent


def run_level(stack, peer, calls, cps, steady_s):
    ramp_s = calls / cps
    talk_s = int(ramp_s + steady_s + 0.999)
    hold_ms = (talk_s + SLACK_S) * 1000
    workdir = os.path.join(stack.processes.workdir, "%s-%d" % (stack.name, calls))
    os.makedirs(workdir)
    peer_proc, plain_port = start_peer(peer, stack, talk_s)
    cpu_before = stack.cpu()
    started = time.time()
    sipp = subprocess.run(
        ["sipp", "127.0.0.1:%d" % stack.sip_port, "-sf", os.path.join(HERE, "uac_concurrent.xml"),
         "-s", "load", "-i", "127.0.0.1", "-p", str(kit.free_udp_port()), "-mp",
         str(kit.free_udp_port(even=True)), "-key", "plainport", str(plain_port), "-r", str(cps),
         "-l", str(calls), "-m", str(calls), "-d", str(hold_ms), "-nostdin", "-trace_screen",
         "-timeout", "%ds" % (ramp_s + talk_s + 60)],
        cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=run_bench.raise_fd_limit)
    cpu = stack.cpu() - cpu_before
    elapsed = time.time() - started
    deadline = time.time() + 20
    while not stack.idle() and time.time() < deadline:
        time.sleep(0.2)
    report = stop_peer(peer_proc)
    counts = sipp_counts(workdir)
    to_plain, to_webrtc = loss(report.get("toPlain", {})), loss(report.get("toWebrtc", {}))
    nominal = calls * talk_s * PPS
    offered = min(report.get(d, {}).get("sent", 0) for d in ("toPlain", "toWebrtc")) / nominal
    ok = (sipp.returncode == 0 and counts["ok"] == calls and report.get("setupFailed", 1) == 0
          and report.get("connected", 0) == calls and to_plain < LOSS_LIMIT
          and to_webrtc < LOSS_LIMIT)
    return {"gateway": stack.name, "calls": calls, "ok": ok and offered >= OFFERED_MIN,
            "peerLimited": ok and offered < OFFERED_MIN, "offered": offered, "sippOk": counts["ok"],
            "sippFailed": counts["failed"], "connected": report.get("connected", 0),
            "maxActive": report.get("maxActive", 0), "lossToPlain": to_plain,
            "lossToWebrtc": to_webrtc, "setupMs": report.get("setupMs", {}).get("median"),
            "gatewayCpuPercent": 100.0 * cpu / elapsed, "peer": report}


def print_row(r):
    verdict = "ok" if r["ok"] else "peer" if r["peerLimited"] else "FAIL"
    print("%-20s %6d  %-4s %8.1f %7d %6d %9d %10.3f %10.3f %9s %8.0f" % (
        r["gateway"], r["calls"], verdict, 100 * r["offered"], r["sippOk"], r["sippFailed"],
        r["maxActive"], 100 * r["lossToPlain"], 100 * r["lossToWebrtc"],
        "%.0f" % r["setupMs"] if r["setupMs"] is not None else "-", r["gatewayCpuPercent"]),
        flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--peer", required=True, help="the webrtcuas tool")
    parser.add_argument("--levels", default="100,200,400,600,800,1000,1200,1500,2000")
    parser.add_argument("--cps", type=int, default=50)
    parser.add_argument("--steady", type=int, default=10,
                        help="seconds all calls of a level talk at once")
    parser.add_argument("--media-workers", type=int, default=1, help="rtcgate media.workers")
    parser.add_argument("--only", choices=["rtcgate", "anchor"])
    parser.add_argument("--json", help="also write every row to this file")
    args = parser.parse_args()
    args.binary, args.peer = os.path.abspath(args.binary), os.path.abspath(args.peer)
    e2e.enter_namespace()
    workdir = tempfile.mkdtemp(prefix="rtcgate-bench-concurrent-")
    processes = kit.Processes(workdir)
    rows = []
    try:
        stacks = []
        if args.only in (None, "rtcgate"):
            stacks.append(start_rtcgate(args.binary, processes, workdir, args.media_workers))
        if args.only in (None, "anchor"):
            stacks.append(start_anchor(processes, workdir))
        print("%-20s %6s  %-4s %8s %7s %6s %9s %10s %10s %9s %8s" % (
            "gateway", "calls", "", "offered%", "sipp ok", "failed", "maxActive", "loss->RTP%",
            "loss->SRTP%", "setup ms", "gw CPU%"), flush=True)
        climbing = set(s.name for s in stacks)
        for level in (int(x) for x in args.levels.split(",")):
            for stack in stacks:
                if stack.name in climbing:
                    row = run_level(stack, args.peer, level, args.cps, args.steady)
                    rows.append(row)
                    print_row(row)
                    if not row["ok"]:
                        climbing.discard(stack.name)
            if not climbing:
                break
    finally:
        processes.stop_all()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    best = {}
    for row in rows:
        if row["ok"]:
            best[row["gateway"]] = max(best.get(row["gateway"], 0), row["calls"])
    print("highest level with zero failed calls and < 0.1% loss:")
    for stack_name in sorted(set(r["gateway"] for r in rows)):
        limited = any(r["peerLimited"] for r in rows if r["gateway"] == stack_name)
        limit = (" (every level passed)" if stack_name in climbing else
                 " (next level: the peer could not offer the full load)" if limited else
                 " (next level failed)")
        print("  %-20s %d%s" % (stack_name, best.get(stack_name, 0), limit))
    if len(best) == 2 and best.get("kamailio+rtpengine") and len(climbing) < 2:
        print("  ratio rtcgate / anchor: %.2f" % (best.get("rtcgate", 0)
                                                  / best["kamailio+rtpengine"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
