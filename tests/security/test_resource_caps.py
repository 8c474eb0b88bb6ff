"""Attack: spend the gateway's resources from few addresses. A stranger who may call a local user
(anyone may: that is how calls arrive) opens call after call, each ringing the user and holding
relay ports; a handful of hosts open connections until the process runs out of file descriptors;
a peer sends requests and never reads the answers, so that what we owe it piles up in memory.
Each is bounded: security.max_unauthenticated_calls_per_source (503 with Retry-After past it),
sip.max_connections (refused at accept), sip.max_send_queue (the reader is cut off); all counted."""
import secrets
import socket
import time

from sinks import registered
from siptest import SDP, Gateway, check, parse_args, run_tests, tests_in

args = parse_args()
CALLS_PER_SOURCE = 3
MAX_CONNECTIONS = 8
gw = Gateway(args.binary, transports=("udp", "tcp"),
             extra_yaml=f"security:\n"
                        f"  max_unauthenticated_calls_per_source: {CALLS_PER_SOURCE}\n"
                        f"  rate_limit: {{ requests_per_second: 1000000, burst: 1000000 }}\n")
with open(gw.config) as f:
    config = f.read()
with open(gw.config, "w") as f:
    f.write(config.replace("sip:\n", f"sip:\n  max_connections: {MAX_CONNECTIONS}\n"
                                     f"  max_send_queue: 65536\n", 1))
gw.start()
UDP, TCP = gw.ports["udp"], gw.ports["tcp"]


def metric(name):
    return gw.metric(name)


class Stranger:
    """An unauthenticated caller on UDP from its own loopback address."""

    def __init__(self, host):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.settimeout(0.2)
        self.via = f"{host}:{self.sock.getsockname()[1]}"

    def invite(self, user="bob"):
        """Sends an INVITE to a local user; returns what CANCEL needs to end it."""
        call = {"call_id": secrets.token_hex(8), "branch": "z9hG4bK" + secrets.token_hex(6),
                "tag": secrets.token_hex(4), "uri": f"sip:{user}@localhost"}
        self.sock.sendto(self._request("INVITE", call, ["Content-Type: application/sdp",
                                                        f"Contact: <sip:m@{self.via}>"], SDP),
                         ("127.0.0.1", UDP))
        return call

    def cancel(self, call):
        self.sock.sendto(self._request("CANCEL", call), ("127.0.0.1", UDP))

    def _request(self, method, call, extra=(), body=""):
        lines = [f"{method} {call['uri']} SIP/2.0",
                 f"Via: SIP/2.0/UDP {self.via};branch={call['branch']};rport",
                 "Max-Forwards: 70", f"From: <sip:mallory@evil.test>;tag={call['tag']}",
                 f"To: <{call['uri']}>", f"Call-ID: {call['call_id']}", f"CSeq: 1 {method}",
                 *extra, f"Content-Length: {len(body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()

    def responses(self, seconds=1.0):
        """(status, Call-ID, whole text) of every response that arrives within `seconds`."""
        found = []
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                data = self.sock.recv(65536).decode(errors="replace")
            except socket.timeout:
                continue
            call_id = next((line.split(":", 1)[1].strip() for line in data.split("\r\n")
                            if line.lower().startswith("call-id:")), "")
            found.append((int(data.split(" ", 2)[1]), call_id, data))
        return found


def refused(responses, call):
    return [text for status, call_id, text in responses
            if status == 503 and call_id == call["call_id"]]


class Callee:
    """A registered phone that rings on every INVITE and never answers; it ends a call only
    when it is cancelled (200 to the CANCEL, 487 to the INVITE)."""

    def __init__(self, user):
        self.ua = registered(gw, user)
        self.invites = {}

    def serve(self, seconds=1.0, until_cancelled=None):
        deadline = time.time() + seconds
        while time.time() < deadline:
            message = self.ua.c.recv(max(0.05, deadline - time.time()))
            if message is None or message.is_response:
                continue
            call_id = message.get("Call-ID")
            if message.method == "INVITE" and call_id not in self.invites:
                self.invites[call_id] = message
                self.ua.respond(message, 180, "Ringing", to_tag="b" + call_id[:6])
            if message.method == "CANCEL":
                self.ua.respond(message, 200, "OK")
                self.ua.respond(self.invites[call_id], 487, "Request Terminated",
                                to_tag="b" + call_id[:6])
                if call_id == until_cancelled:
                    return
        check(until_cancelled is None, "the CANCEL did not reach the callee")


def test_a_strangers_share_of_calls_is_bounded():
    bob = Callee("bob")  # every call stays in progress
    mallory = Stranger("127.0.0.2")
    calls = [mallory.invite() for _ in range(CALLS_PER_SOURCE)]
    bob.serve()
    early = mallory.responses(1.0)
    check(not any(status >= 300 for status, _, _ in early),
          f"calls within the share were refused: {[s for s, _, _ in early]}")
    over = mallory.invite()
    answers = refused(mallory.responses(1.0), over)
    check(answers, "the call over the share was not refused with 503")
    check("Retry-After:" in answers[0], f"503 without Retry-After:\n{answers[0]}")
    check(metric("rtcgate_proxy_unauthenticated_calls_refused_total") >= 1, "refusal not counted")

    # Another address has its own share; an ended call gives its place back.
    other = Stranger("127.0.0.3")
    elsewhere = other.invite()
    check(not refused(other.responses(1.0), elsewhere), "another source was refused too")
    mallory.cancel(calls[0])
    bob.serve(5, until_cancelled=calls[0]["call_id"])
    mallory.responses(1.0)
    again = mallory.invite()
    check(not refused(mallory.responses(1.0), again), "an ended call did not free its place")
    bob.ua.c.close()


def open_connection(host="127.0.0.1"):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    sock.settimeout(3)
    sock.connect(("127.0.0.1", TCP))
    return sock


def options(sock):
    """Whether the connection still carries requests: an OPTIONS to the gateway is answered."""
    via = "%s:%d" % sock.getsockname()
    request = (f"OPTIONS sip:127.0.0.1:{TCP} SIP/2.0\r\n"
               f"Via: SIP/2.0/TCP {via};branch=z9hG4bK{secrets.token_hex(6)}\r\n"
               f"Max-Forwards: 70\r\nFrom: <sip:probe@evil.test>;tag=1\r\n"
               f"To: <sip:127.0.0.1>\r\nCall-ID: {secrets.token_hex(6)}\r\n"
               f"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
    try:
        sock.sendall(request.encode())
        return sock.recv(65536).startswith(b"SIP/2.0 200")
    except OSError:
        return False


def test_connections_in_all_are_bounded():
    held = [open_connection("127.0.0.%d" % (2 + i % 4)) for i in range(MAX_CONNECTIONS)]
    check(all(options(sock) for sock in held), "connections within the cap were not served")
    extra = open_connection("127.0.0.9")
    check(not options(extra), "a connection over sip.max_connections was served")
    check(metric("rtcgate_transport_connection_cap_refused_total") >= 1, "refusal not counted")
    held.pop().close()
    time.sleep(0.3)
    replacement = open_connection("127.0.0.9")
    check(options(replacement), "a closed connection did not free its place")
    for sock in held + [extra, replacement]:
        sock.close()


def test_a_peer_that_never_reads_is_cut_off():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # no autotuned window
    sock.connect(("127.0.0.1", TCP))
    via = "%s:%d" % sock.getsockname()
    burst = b"".join(
        (f"OPTIONS sip:127.0.0.1:{TCP} SIP/2.0\r\n"
         f"Via: SIP/2.0/TCP {via};branch=z9hG4bK{i:x}{secrets.token_hex(4)}\r\n"
         f"Max-Forwards: 70\r\nFrom: <sip:slow@evil.test>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
         f"Call-ID: slow{i}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()
        for i in range(500))
    sock.settimeout(0.5)
    check(metric("rtcgate_transport_queue_overflow_closed_total") == 0, "cut off before the test")
    deadline = time.time() + 60
    while time.time() < deadline and metric("rtcgate_transport_queue_overflow_closed_total") < 1:
        try:
            for _ in range(20):
                sock.sendall(burst)
        except OSError:
            break  # cut off
    check(metric("rtcgate_transport_queue_overflow_closed_total") >= 1,
          "a peer that never reads was never cut off")
    sock.close()
    check(gw.process.proc.poll() is None, "rtcgate died")


run_tests(tests_in(globals()), [gw])
