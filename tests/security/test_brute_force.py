"""Brute force is stopped (docs/security.md): after security.auth_ban.failures failed credentials
from one source, or user_failures against one user from many sources, the source gets 403
without a digest check for ban_time; first challenges never count; bans are listed and lifted
through the API and `rtcgate ctl`; every failure is logged in the form the documented fail2ban
filter matches."""
import json
import re
import socket
import subprocess

import sinks  # noqa: F401  (puts the integration harness on the path)
from siptest import Gateway, Message, check, digest_response, parse_args, run_tests, tests_in

args = parse_args()
gw = Gateway(args.binary, transports=("udp",),
             extra_yaml="security:\n  auth_ban: { failures: 4, user_failures: 6, window: 60,"
                        " ban_time: 300 }\n").start()
UDP = gw.ports["udp"]
# docs/security.md's fail2ban failregex, with fail2ban's <HOST> spelled out.
FAILREGEX = re.compile(r"auth failed: source=(?P<host>[0-9a-fA-F.:\[\]]+?):\d+ user=\S* realm=")


class Client:
    """A UDP SIP client on a loopback address of its own (127.0.0.x)."""

    def __init__(self, host="127.0.0.1"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.settimeout(3)
        self.host, self.port = self.sock.getsockname()
        self.cseq = 0

    def register(self, user, password=None, challenge=None):
        """One REGISTER; with `password`, answers `challenge`. Returns the response."""
        self.cseq += 1
        uri = "sip:localhost"
        lines = [f"REGISTER {uri} SIP/2.0",
                 f"Via: SIP/2.0/UDP {self.host}:{self.port};branch=z9hG4bK{self.cseq}x{self.port}"
                 ";rport", "Max-Forwards: 70", f"From: <sip:{user}@localhost>;tag=t{self.port}",
                 f"To: <sip:{user}@localhost>", f"Call-ID: bf-{self.host}-{self.port}",
                 f"CSeq: {self.cseq} REGISTER",
                 f"Contact: <sip:{user}@{self.host}:{self.port}>", "Expires: 60"]
        if password is not None:
            auth = digest_response(challenge, "REGISTER", uri, user, password)
            lines.append(f"Authorization: {auth}")
        self.sock.sendto(("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode(),
                         ("127.0.0.1", UDP))
        data, _ = self.sock.recvfrom(65536)
        return Message(data.decode())

    def attempt(self, user, password):
        """A challenge, then credentials with `password`: the final status."""
        first = self.register(user)
        if first.status != 401:
            return first.status
        return self.register(user, password, first.all("WWW-Authenticate")[0]).status


def bans():
    status, body = gw.http("GET", "/api/v1/bans")
    check(status == 200, f"GET /api/v1/bans: {status} {body}")
    return {b["source"]: b for b in json.loads(body)["bans"]}


def lift(source):
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", gw.http_port, timeout=5)
    connection.request("DELETE", f"/api/v1/bans/{source}", headers={
        "Content-Type": "application/json"})
    status = connection.getresponse().status
    connection.close()
    return status


def test_challenges_alone_never_ban():
    client = Client("127.0.0.5")
    for _ in range(20):
        check(client.register("alice").status == 401, "a first REGISTER was not challenged")
    check("127.0.0.5" not in bans(), "first challenges banned a source")


def test_a_guessing_source_is_banned_then_lifted():
    guesser = Client("127.0.0.6")
    statuses = [guesser.attempt("alice", f"guess{i}") for i in range(4)]
    check(statuses[:3] == [401, 401, 401], f"the first wrong passwords: {statuses}")
    check(statuses[3] == 403, f"the fourth wrong password was not banned: {statuses}")
    # Banned: even the right password gets 403, without a challenge.
    check(guesser.register("alice").status == 403, "a banned source was challenged")
    check(guesser.attempt("alice", "alicepw") == 403, "a banned source got in")
    # Others are not affected.
    check(Client("127.0.0.7").attempt("alice", "alicepw") == 200, "alice's own phone was refused")
    listed = bans()
    check("127.0.0.6" in listed and listed["127.0.0.6"]["seconds_left"] > 200,
          f"the ban is not listed: {listed}")
    out = subprocess.run([args.binary, "ctl", "--api", f"http://127.0.0.1:{gw.http_port}",
                          "bans"], capture_output=True, text=True, timeout=10)
    check(out.returncode == 0 and "127.0.0.6" in out.stdout, f"ctl bans: {out.stdout}{out.stderr}")
    # Every failure is logged with source, user and realm, as the fail2ban filter expects.
    hosts = [m.group("host") for m in FAILREGEX.finditer(gw.log())]
    check(hosts.count("127.0.0.6") >= 4, f"fail2ban would see {hosts.count('127.0.0.6')} failures")
    check(lift("127.0.0.6") == 200, "DELETE /api/v1/bans/127.0.0.6 failed")
    check("127.0.0.6" not in bans(), "the lifted ban is still listed")
    check(guesser.attempt("alice", "alicepw") == 200, "the lifted source is still refused")


def test_a_distributed_guess_bans_its_sources():
    statuses = []
    for i in range(6):
        statuses.append(Client(f"127.0.1.{i + 1}").attempt("bob", f"guess{i}"))
    check(statuses[:5] == [401] * 5, f"the first distributed guesses: {statuses}")
    check(statuses[5] == 403, f"the sixth failure for bob did not ban its source: {statuses}")
    check("127.0.1.6" in bans(), f"the distributed guesser is not listed: {bans()}")
    check(Client("127.0.0.8").attempt("bob", "bobpw") == 200, "bob himself was locked out")


tests = tests_in(globals())
run_tests(tests, [gw])
