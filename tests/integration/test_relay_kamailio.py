#!/usr/bin/env python3
"""Kamailio's rtpengine module drives `rtcgate relay` over ng; media flows through the relay.

sipp UAC -> Kamailio (rtpengine_manage) -> sipp UAS (RTP echo). The UAC plays a G.711 pcap; the
relay must carry it to the UAS and the echo back, count both directions in `query`, and forget the
call after the BYE. Everything runs on loopback with free ports; every process started here is
stopped here, by PID.
"""
import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from siptest import free_port

KAMAILIO_MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules/"
PCAP = "/usr/share/sip-tester/g711a.pcap"


# --- bencode and ng client (stdlib only) -------------------------------------------------------
def bencode(value):
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in value.items()) + b"e"
    raise TypeError(type(value))


def bdecode(data, pos=0):
    c = data[pos:pos + 1]
    if c == b"i":
        end = data.index(b"e", pos)
        return int(data[pos + 1:end]), end + 1
    if c in (b"l", b"d"):
        pos += 1
        items = []
        while data[pos:pos + 1] != b"e":
            item, pos = bdecode(data, pos)
            items.append(item)
        if c == b"l":
            return items, pos + 1
        return {items[i]: items[i + 1] for i in range(0, len(items), 2)}, pos + 1
    colon = data.index(b":", pos)
    length = int(data[pos:colon])
    return data[colon + 1:colon + 1 + length].decode(errors="replace"), colon + 1 + length


def ng(port, request, timeout=1.0, tries=3):
    cookie = "%d_%d" % (os.getpid(), random.randrange(1 << 30))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        for _ in range(tries):
            sock.sendto(cookie.encode() + b" " + bencode(request), ("127.0.0.1", port))
            try:
                while True:
                    data, _ = sock.recvfrom(65536)
                    got, _, body = data.partition(b" ")
                    if got.decode() == cookie:
                        return bdecode(body)[0]
            except socket.timeout:
                continue
    return None


# --- processes and ports -----------------------------------------------------------------------
def free_udp_port(even=False):
    """A port free for UDP and TCP alike (siptest.free_port: SIP servers listen on both with one
    number, and this also picks WebSocket and HTTP ports); `even` for an RTP port."""
    while True:
        port = free_port()
        if not even or (port % 2 == 0 and port < 65000):
            return port


def udp_port_taken(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return False
        except OSError:
            return True


class Processes:
    def __init__(self, workdir):
        self.workdir = workdir
        self.started = []

    def start(self, name, argv, cwd=None, preexec_fn=None):
        log = open(os.path.join(self.workdir, name + ".log"), "wb")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=cwd or self.workdir, start_new_session=True,
                                preexec_fn=preexec_fn)
        self.started.append((name, proc))
        return proc

    def log(self, name):
        try:
            with open(os.path.join(self.workdir, name + ".log"), "rb") as f:
                return f.read().decode(errors="replace")[-3000:]
        except OSError:
            return ""

    def stop_all(self):
        for name, proc in reversed(self.started):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)  # its own session: the process and its children
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def fail(processes, message):
    print("FAIL: " + message, file=sys.stderr)
    for name, _ in processes.started:
        print("---- %s log (tail) ----\n%s" % (name, processes.log(name)), file=sys.stderr)
    processes.stop_all()
    sys.exit(1)


KAMAILIO_CFG = """#!KAMAILIO
debug=2
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
    if (is_method("INVITE") && !has_totag()) record_route();
    if (has_totag()) loose_route();
    if (is_method("INVITE|ACK|BYE|CANCEL")) {{
        rtpengine_manage("trust-address replace-origin replace-session-connection");
    }}
    if (is_method("INVITE")) t_on_reply("MANAGE_REPLY");
    $du = "sip:127.0.0.1:{uas_port}";
    if (!t_relay()) sl_reply_error();
    exit;
}}

onreply_route[MANAGE_REPLY] {{
    if (has_body("application/sdp")) {{
        rtpengine_manage("trust-address replace-origin replace-session-connection");
    }}
}}
"""

UAC_SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="relay test uac">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]RelayTag[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[local_ip_type] [local_ip]
      t=0 0
      m=audio [auto_media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-11,16
    ]]>
  </send>
  <recv response="100" optional="true"></recv>
  <recv response="180" optional="true"></recv>
  <recv response="200" rtd="true"></recv>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]RelayTag[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>
  <pause milliseconds="{talk_ms}"/>
  <send retrans="500">
    <![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]RelayTag[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200"></recv>
</scenario>
"""


def stream_packets(party):
    total = 0
    for media in party.get("medias", []):
        for stream in media.get("streams", []):
            if "RTP" in stream.get("flags", []):
                total += stream["stats"]["packets"]
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--build-dir", required=True)
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    for tool in ("kamailio", "sipp"):
        if shutil.which(tool) is None:
            print("FAIL: %s is not installed" % tool, file=sys.stderr)
            return 1
    if not os.path.exists(os.path.join(KAMAILIO_MODULES, "rtpengine.so")):
        print("FAIL: kamailio-extra-modules (rtpengine.so) is not installed", file=sys.stderr)
        return 1

    workdir = tempfile.mkdtemp(prefix="rtcgate-relay-kamailio-")
    processes = Processes(workdir)
    ng_port = free_udp_port()
    sip_port = free_udp_port()
    uas_port = free_udp_port()
    uac_port = free_udp_port()
    uas_media = free_udp_port(even=True)
    uac_media = free_udp_port(even=True)
    media_min = random.randrange(40000, 59000, 2)
    with open(os.path.join(workdir, "relay.yaml"), "w") as f:
        f.write("relay:\n  listen: [udp://127.0.0.1:%d]\nmedia:\n  ports: %d-%d\n  timeout: 60\n"
                % (ng_port, media_min, media_min + 199))
    with open(os.path.join(workdir, "kamailio.cfg"), "w") as f:
        f.write(KAMAILIO_CFG.format(sip_port=sip_port, modules=KAMAILIO_MODULES, ng_port=ng_port,
                                    uas_port=uas_port))
    with open(os.path.join(workdir, "uac.xml"), "w") as f:
        f.write(UAC_SCENARIO.replace("{pcap}", PCAP).replace("{talk_ms}", "4000"))

    try:
        relay = processes.start("relay", [args.binary, "relay", "--config",
                                          os.path.join(workdir, "relay.yaml")])
        deadline = time.time() + 10
        while (ng(ng_port, {"command": "ping"}, timeout=0.3, tries=1) or {}).get("result") != "pong":
            if relay.poll() is not None or time.time() > deadline:
                fail(processes, "rtcgate relay did not answer ng ping on port %d" % ng_port)
        kamailio = processes.start("kamailio", ["kamailio", "-f", os.path.join(workdir, "kamailio.cfg"),
                                                "-DD", "-E", "-w", workdir, "-Y", workdir,
                                                "-m", "64", "-M", "8"])
        deadline = time.time() + 10
        while not udp_port_taken(sip_port):
            if kamailio.poll() is not None or time.time() > deadline:
                fail(processes, "kamailio did not start")
            time.sleep(0.1)
        time.sleep(0.5)  # children finish forking
        uas = processes.start("uas", ["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(uas_port),
                                      "-mi", "127.0.0.1", "-mp", str(uas_media), "-rtp_echo", "-m", "1", "-nostdin",
                                      "-timeout", "60s", "-trace_err"])
        time.sleep(0.5)
        uac = processes.start("uac", ["sipp", "127.0.0.1:%d" % sip_port, "-sf",
                                      os.path.join(workdir, "uac.xml"), "-s", "echo", "-i",
                                      "127.0.0.1", "-mi", "127.0.0.1", "-p", str(uac_port),
                                      "-mp", str(uac_media), "-m", "1", "-nostdin", "-timeout",
                                      "60s", "-trace_err"])
        # Wait for the call to appear on the relay, let media flow, then look at the counters.
        deadline = time.time() + 10
        calls = []
        while not calls:
            reply = ng(ng_port, {"command": "list"}) or {}
            calls = reply.get("calls", [])
            if time.time() > deadline or uac.poll() is not None:
                fail(processes, "no call reached the relay via kamailio (list=%r)" % reply)
            time.sleep(0.2)
        time.sleep(2.5)
        query = ng(ng_port, {"command": "query", "call-id": calls[0]})
        if not query or query.get("result") != "ok":
            fail(processes, "query failed: %r" % query)
        tags = query.get("tags", {})
        if len(tags) != 2:
            fail(processes, "expected two tagged parties, got %r" % list(tags))
        counts = {tag: stream_packets(party) for tag, party in tags.items()}
        caller = [t for t in tags if "RelayTag" in t]
        if not caller:
            fail(processes, "caller tag missing in %r" % list(tags))
        callee = [t for t in tags if t != caller[0]][0]
        print("packets through the relay: caller->relay %d, callee(echo)->relay %d"
              % (counts[caller[0]], counts[callee]))
        if counts[caller[0]] < 20 or counts[callee] < 20:
            fail(processes, "media did not flow both ways through the relay: %r" % counts)
        totals = query["totals"]["RTP"]
        if totals["packets"] < counts[caller[0]] + counts[callee]:
            fail(processes, "totals %r below per-stream counts %r" % (totals, counts))

        if uac.wait(timeout=60) != 0:
            fail(processes, "sipp UAC failed (exit %d)" % uac.returncode)
        uas.wait(timeout=30)
        # Kamailio deletes the session when the BYE's 200 passes: poll, a loaded machine is slow.
        deadline = time.time() + 5
        while True:
            remaining = (ng(ng_port, {"command": "list"}) or {}).get("calls")
            if remaining == [] or time.time() > deadline:
                break
            time.sleep(0.1)
        if remaining != []:
            fail(processes, "session still present after BYE: %r" % remaining)
        stats = ng(ng_port, {"command": "statistics"})["statistics"]["totalstatistics"]
        if stats["regularterminatedsessions"] < 1:
            fail(processes, "statistics did not count the terminated session: %r" % stats)
        print("PASS: kamailio rtpengine_manage -> rtcgate relay, %d+%d packets, session deleted"
              % (counts[caller[0]], counts[callee]))
    finally:
        processes.stop_all()
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
