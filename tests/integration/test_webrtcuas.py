"""Smoke test of tests/tools/webrtcuas, the WebRTC-answering load peer of the concurrent-calls
benchmark (bench/gateway/concurrent_calls.py).

`rtcgate run` (no auth) routes 9xxx to the tool with `media: { srtp: dtls }`, so the relay offers
it UDP/TLS/RTP/SAVPF with ICE and DTLS. A sipp UAC (signalling only) places 5 calls whose SDP
names the tool's plain RTP socket; the tool answers as a browser would (ICE, DTLS client, SRTP),
sends SRTP into each WebRTC leg and RTP from the plain socket, and attributes what the relay
hands back. Every call must connect and end with a BYE, and both directions must deliver at
least 90% of what was sent. When Debian's rtpengine-daemon is installed, a few calls also go
through it (a full ICE agent, which the tool answers in the controlled role), driven over ng by
the test itself standing in for the SIP proxy. Also checks the tool's own SIP answers (OPTIONS,
a non-WebRTC INVITE, an unknown method) and that it exits 0 with a final report on SIGTERM. Its
SRTP is the relay's own media::SrtpSession, tested against libsrtp2 in SrtpOracle_test.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from siptest import (Gateway, Message, check, free_port, parse_args, run_tests, sipp, sipp_logs,
                     tests_in)
import test_relay_kamailio as kit  # noqa: E402  (the ng client)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench", "relay"))
import run_bench  # noqa: E402  (Relay: starts rtpengine with a port range)

args = parse_args()
TOOL = os.path.join(os.path.abspath(args.build_dir), "webrtcuas")
CALLS = 5
TALK = 2  # seconds of media per call

UAS_PORT = free_port()
gw = Gateway(args.binary, transports=("udp",), auth=False,
             extra_yaml="routes:\n"
                        f"  - {{ match: '^9', to: [sip:127.0.0.1:{UAS_PORT}], "
                        "media: { srtp: dtls } }\n")
gw.start()
UDP = gw.ports["udp"]

SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac-webrtcuas">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@localhost SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:caller@localhost>;tag=[pid]uac[call_number]
      To: <sip:[service]@localhost>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:caller@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=- 1 1 IN IP4 127.0.0.1
      s=-
      c=IN IP4 127.0.0.1
      t=0 0
      m=audio PLAINPORT RTP/AVP 0
      a=rtpmap:0 PCMU/8000
      a=ptime:20

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      [routes]
      From: <sip:caller@localhost>;tag=[pid]uac[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <pause milliseconds="HOLDMS"/>
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      [routes]
      From: <sip:caller@localhost>;tag=[pid]uac[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
</scenario>
"""


class Tool:
    """webrtcuas on UAS_PORT; reads its 'ready' line for the plain port."""

    def __init__(self, *extra):
        self.proc = subprocess.Popen([TOOL, "--sip-port", str(UAS_PORT), "--talk", str(TALK),
                                      *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode().strip()
        check(line.startswith("ready "), f"webrtcuas did not start: {line!r} "
                                         f"{self.proc.stderr.read().decode()[-500:] if not line else ''}")
        fields = dict(kv.split("=") for kv in line.split()[1:])
        check(int(fields["sip"]) == UAS_PORT, f"ready line names another port: {line}")
        self.plain = int(fields["plain"])

    def finish(self, signalled=True):
        """SIGTERM (or, with --max-calls, its own exit); the final report (the last JSON line)
        after a 0 exit."""
        if signalled:
            self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=10)
        check(self.proc.returncode == 0,
              f"webrtcuas exited {self.proc.returncode}: {err.decode()[-1000:]}")
        lines = [l for l in out.decode().splitlines() if l.startswith("{")]
        check(lines, "webrtcuas printed no report")
        return json.loads(lines[-1])

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def sip_exchange(request):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(3)
    port = s.getsockname()[1]
    s.sendto(request.replace("PORT", str(port)).encode(), ("127.0.0.1", UAS_PORT))
    responses = []
    try:
        while True:
            data, _ = s.recvfrom(65536)
            responses.append(Message(data.decode()))
            if responses[-1].status >= 200:
                break
    finally:
        s.close()
    return responses


def request(method, body="", content_type=None):
    headers = [f"{method} sip:webrtcuas@127.0.0.1:{UAS_PORT} SIP/2.0",
               "Via: SIP/2.0/UDP 127.0.0.1:PORT;branch=z9hG4bK-%s;rport" % os.urandom(4).hex(),
               "Max-Forwards: 70", "From: <sip:probe@localhost>;tag=probe",
               "To: <sip:webrtcuas@127.0.0.1>", f"Call-ID: {os.urandom(6).hex()}",
               f"CSeq: 1 {method}"]
    if content_type:
        headers.append(f"Content-Type: {content_type}")
    headers.append(f"Content-Length: {len(body)}")
    return "\r\n".join(headers) + "\r\n\r\n" + body


def test_sip_answers_of_the_tool():
    tool = Tool()
    try:
        options = sip_exchange(request("OPTIONS"))
        check(options[-1].status == 200, f"OPTIONS: {options}")
        check("received=127.0.0.1" in options[-1].get("Via") and "rport=" in options[-1].get("Via"),
              f"rport not filled in: {options[-1].get('Via')}")
        plain = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                 "m=audio 4000 RTP/AVP 0\r\n")
        invite = sip_exchange(request("INVITE", plain, "application/sdp"))
        check(invite[-1].status == 488 and ";tag=" in invite[-1].get("To"),
              f"plain INVITE: {invite}")
        info = sip_exchange(request("INFO"))
        check(info[-1].status == 501, f"INFO: {info}")
        bye = sip_exchange(request("BYE"))
        check(bye[-1].status == 481, f"BYE without a call: {bye}")
        report = tool.finish()
        check(report["calls"] == 0 and report["failures"].get("INVITE without WebRTC SDP (488)")
              == 1, f"report: {report}")
    finally:
        tool.kill()


def test_sipp_calls_through_rtcgate_to_the_webrtc_peer():
    tool = Tool("--max-calls", str(CALLS))  # exits by itself after the last BYE
    try:
        path = os.path.join(gw.dir, "uac_webrtcuas.xml")
        with open(path, "w") as f:
            f.write(SCENARIO.replace("PLAINPORT", str(tool.plain))
                    .replace("HOLDMS", str((TALK + 2) * 1000)))
        rc, logs = sipp(path, UDP, free_port(),
                        ["-s", "9001", "-m", str(CALLS), "-r", "5", "-l", str(CALLS)], timeout=40)
        report = tool.finish(signalled=rc != 0)  # a failed sipp leaves calls without BYE
        print("webrtcuas:", json.dumps(report))
        check(rc == 0, f"sipp failed ({rc}):\n{sipp_logs(logs)}\n{gw.log()[-3000:]}")
        check(report["calls"] == CALLS and report["connected"] == CALLS
              and report["setupFailed"] == 0 and not report["failures"]
              and report["byes"] == CALLS and report["active"] == 0,
              f"calls did not all connect and end: {report}\n{gw.log()[-3000:]}")
        expected = CALLS * TALK * 50
        for direction in ("toPlain", "toWebrtc"):
            leg = report[direction]
            check(leg["sent"] >= expected * 0.8 and leg["received"] >= leg["sent"] * 0.9,
                  f"{direction}: {leg} (expected about {expected} sent)")
        check(report["toWebrtc"]["authFailed"] == 0 and report["misattributed"] == 0,
              f"bad packets: {report}")
    finally:
        tool.kill()


# What Kamailio's rtpengine module sends for a WebRTC gateway (tests/e2e/test_browser_relay.py's
# flags), as ng dictionaries, plus trust-address: the test has no SIP source address to pass.
TOWARD_WEBRTC = {"ICE": "force", "transport-protocol": "UDP/TLS/RTP/SAVPF", "rtcp-mux": ["offer"],
                 "SDES": ["off"], "flags": ["generate-mid", "trust-address"],
                 "replace": ["origin", "session-connection"]}
TOWARD_SIP = {"ICE": "remove", "transport-protocol": "RTP/AVP", "rtcp-mux": ["demux"],
              "flags": ["trust-address"], "replace": ["origin", "session-connection"]}


def ng_calls_through_rtpengine(relay, tool, calls):
    """A SIP caller and its proxy in one: ng offer (the caller's RTP/AVP SDP naming the tool's
    plain socket), INVITE with the relay's WebRTC offer to the tool, ng answer with the tool's 200,
    ACK; after the talk window BYE and ng delete."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    port = sock.getsockname()[1]
    plain_sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                 f"m=audio {tool.plain} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")

    def send(method, call_id, cseq, to_tag="", body=""):
        lines = [f"{method} sip:webrtcuas@127.0.0.1:{UAS_PORT} SIP/2.0",
                 f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-{os.urandom(5).hex()};rport",
                 "Max-Forwards: 70", f"From: <sip:caller@localhost>;tag=caller-{call_id}",
                 f"To: <sip:webrtcuas@127.0.0.1>{';tag=' + to_tag if to_tag else ''}",
                 f"Call-ID: {call_id}", f"CSeq: {cseq} {method}",
                 f"Contact: <sip:caller@127.0.0.1:{port}>"]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body)}")
        sock.sendto(("\r\n".join(lines) + "\r\n\r\n" + body).encode(), ("127.0.0.1", UAS_PORT))

    def final(call_id, method):
        while True:
            message = Message(sock.recvfrom(65536)[0].decode())
            if (message.is_response and message.status >= 200
                    and message.get("Call-ID") == call_id and message.cseq_method() == method):
                return message

    dialogs = []
    try:
        for i in range(calls):
            call_id = f"webrtcuas-ng-{os.getpid()}-{i}"
            offer = kit.ng(relay.ng_port, dict(TOWARD_WEBRTC, command="offer", sdp=plain_sdp,
                                               **{"call-id": call_id, "from-tag": f"caller-{call_id}"}))
            check(offer and offer.get("result") == "ok", f"rtpengine offer: {offer}")
            send("INVITE", call_id, 1, body=offer["sdp"])
            ok = final(call_id, "INVITE")
            check(ok.status == 200, f"INVITE through rtpengine: {ok}")
            to_tag = ok.get("To").split(";tag=")[1]
            answer = kit.ng(relay.ng_port, dict(TOWARD_SIP, command="answer", sdp=ok.body,
                                                **{"call-id": call_id,
                                                   "from-tag": f"caller-{call_id}",
                                                   "to-tag": to_tag}))
            check(answer and answer.get("result") == "ok", f"rtpengine answer: {answer}")
            send("ACK", call_id, 1, to_tag)
            dialogs.append((call_id, to_tag))
        time.sleep(TALK + 1.5)
        for call_id, to_tag in dialogs:
            send("BYE", call_id, 2, to_tag)
            check(final(call_id, "BYE").status == 200, "BYE not answered 200")
    finally:
        for call_id, _ in dialogs:
            kit.ng(relay.ng_port, {"command": "delete", "call-id": call_id})
        sock.close()


def test_calls_through_rtpengine_full_ice():
    if not shutil.which("rtpengine"):
        print("rtpengine-daemon not installed: only rtcgate is checked")
        return
    workdir = tempfile.mkdtemp(prefix="rtcgate-webrtcuas-")
    relay = run_bench.Relay("rtpengine", shutil.which("rtpengine"), workdir, 41800, 41999)
    tool = Tool()
    try:
        ng_calls_through_rtpengine(relay, tool, 3)
        report = tool.finish()
        print("webrtcuas (rtpengine):", json.dumps(report))
        check(report["connected"] == 3 and report["setupFailed"] == 0 and not report["failures"]
              and report["byes"] == 3, f"calls through rtpengine: {report}")
        for direction in ("toPlain", "toWebrtc"):
            leg = report[direction]
            check(leg["sent"] >= 3 * TALK * 50 * 0.8 and leg["received"] >= leg["sent"] * 0.9,
                  f"rtpengine {direction}: {leg}")
    except Exception:
        with open(os.path.join(workdir, "rtpengine.log"), "rb") as f:
            print(f.read().decode(errors="replace")[-3000:])
        raise
    finally:
        tool.kill()
        relay.stop()
    shutil.rmtree(workdir, ignore_errors=True)


run_tests(tests_in(dict(globals())), [gw])
