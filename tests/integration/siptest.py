"""Test harness for rtcgate integration tests: starts the real binary and real peers, speaks SIP.

Standard library only (CI has no PyPI). Everything binds to 127.0.0.1 on free ports, and every
process started here is stopped here, by its PID.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import threading
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--build-dir", required=True)
    return parser.parse_args()


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


def free_port(kind=socket.SOCK_DGRAM, both=True):
    """A port free for UDP and TCP alike (SIP listens on both with one number)."""
    for _ in range(200):
        s = socket.socket(socket.AF_INET, kind)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if not both:
            return port
        try:
            for k in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                t = socket.socket(socket.AF_INET, k)
                t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                t.bind(("127.0.0.1", port))
                t.close()
            return port
        except OSError:
            continue
    raise Failure("no free port")


# ---------------------------------------------------------------- SIP messages

class Message:
    def __init__(self, raw):
        self.raw = raw
        head, _, self.body = raw.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.first = lines[0]
        self.headers = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:
                name, value = self.headers[-1]
                self.headers[-1] = (name, value + " " + line.strip())
            elif ":" in line:
                name, value = line.split(":", 1)
                self.headers.append((name.strip(), value.strip()))
        parts = self.first.split(" ", 2)
        self.is_response = parts[0].startswith("SIP/")
        self.status = int(parts[1]) if self.is_response else 0
        self.method = None if self.is_response else parts[0]
        self.uri = None if self.is_response else parts[1]

    COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
               "l": "content-length", "c": "content-type"}

    LISTS = ("via", "route", "record-route", "contact", "path")

    def all(self, name):
        """Every value of a header; list headers split at commas outside <> and quotes."""
        name = name.lower()
        out = []
        for n, v in self.headers:
            n = self.COMPACT.get(n.lower(), n.lower())
            if n == name:
                out.extend(split_list(v) if n in self.LISTS else [v])
        return out

    def get(self, name, default=""):
        values = self.all(name)
        return values[0] if values else default

    def cseq_method(self):
        return self.get("CSeq").split()[-1]

    def __repr__(self):
        return self.first


def split_list(value):
    parts, depth, quoted, current = [], 0, False, ""
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "<":
            depth += 1
        elif not quoted and ch == ">":
            depth -= 1
        if ch == "," and depth == 0 and not quoted:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current.strip())
    return parts


def digest_response(challenge, method, uri, user, password, nc=1):
    """Authorization header value answering a WWW-/Proxy-Authenticate challenge value."""
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    algorithm = params.get("algorithm", "MD5")
    h = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}[algorithm.upper()]

    def hx(text):
        return h(text.encode()).hexdigest()

    realm, nonce = params["realm"], params["nonce"]
    ha1 = hx(f"{user}:{realm}:{password}")
    ha2 = hx(f"{method}:{uri}")
    cnonce = secrets.token_hex(8)
    ncs = f"{nc:08x}"
    if "auth" in params.get("qop", ""):
        response = hx(f"{ha1}:{nonce}:{ncs}:{cnonce}:auth:{ha2}")
        extra = f', qop=auth, nc={ncs}, cnonce="{cnonce}"'
    else:
        response = hx(f"{ha1}:{nonce}:{ha2}")
        extra = ""
    opaque = f', opaque="{params["opaque"]}"' if "opaque" in params else ""
    return (f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
            f'response="{response}", algorithm={algorithm}{extra}{opaque}')


# ---------------------------------------------------------------- transports

class Connection:
    """A SIP client socket over udp, tcp, tls, ws or wss to 127.0.0.1:port."""

    def __init__(self, transport, port, host="127.0.0.1", local=("127.0.0.1", 0)):
        self.transport = transport
        self.peer = (host, port)
        self.buffer = b""
        if transport == "udp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind(local)
        else:
            raw = socket.create_connection(self.peer, timeout=5)
            if transport in ("tls", "wss"):
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                raw = context.wrap_socket(raw)
            self.sock = raw
            if transport in ("ws", "wss"):
                self._ws_handshake()
        self.local = self.sock.getsockname()

    @classmethod
    def accepted(cls, transport, sock):
        """A Connection over a socket a test server accepted (tcp, or tls already wrapped)."""
        connection = cls.__new__(cls)
        connection.transport = transport
        connection.peer = sock.getpeername()
        connection.buffer = b""
        connection.sock = sock
        connection.local = sock.getsockname()
        return connection

    def _ws_handshake(self, protocol="sip"):
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET / HTTP/1.1\r\nHost: {self.peer[0]}:{self.peer[1]}\r\n"
                   f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                   f"Sec-WebSocket-Version: 13\r\n")
        if protocol:
            request += f"Sec-WebSocket-Protocol: {protocol}\r\n"
        self.sock.sendall((request + "\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Failure("websocket handshake: connection closed")
            response += chunk
        head, _, self.buffer = response.partition(b"\r\n\r\n")
        check(head.startswith(b"HTTP/1.1 101"), f"websocket handshake refused: {head[:60]!r}")
        check(b"sec-websocket-protocol: sip" in head.lower(), "no sip subprotocol in 101")

    @property
    def via_transport(self):
        return self.transport.upper()

    def send(self, text):
        data = text.encode() if isinstance(text, str) else text
        if self.transport == "udp":
            self.sock.sendto(data, self.peer)
        elif self.transport in ("ws", "wss"):
            self.sock.sendall(ws_frame(data))
        else:
            self.sock.sendall(data)

    def recv(self, timeout=3.0):
        """The next SIP message, or None after timeout."""
        deadline = time.time() + timeout
        while True:
            message = self._take()
            if message is not None:
                return message
            remaining = deadline - time.time()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                if self.transport == "udp":
                    data, _ = self.sock.recvfrom(65536)
                    return Message(data.decode(errors="replace"))
                data = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLError, TimeoutError):
                return None
            if not data:
                return None
            self.buffer += data

    def _take(self):
        if self.transport in ("ws", "wss"):
            while True:
                frame = ws_unframe(self.buffer)
                if frame is None:
                    return None
                opcode, payload, used = frame
                self.buffer = self.buffer[used:]
                if opcode in (1, 2):
                    return Message(payload.decode(errors="replace"))
                if opcode == 9:  # ping: answer, keep reading
                    self.sock.sendall(ws_frame(payload, opcode=10))
                if opcode == 8:
                    return None
        while self.buffer.startswith(b"\r\n"):
            self.buffer = self.buffer[2:]
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = self.buffer[:end].decode(errors="replace")
        match = re.search(r"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
        length = int(match.group(1)) if match else 0
        total = end + 4 + length
        if len(self.buffer) < total:
            return None
        raw = self.buffer[:total].decode(errors="replace")
        self.buffer = self.buffer[total:]
        return Message(raw)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def ws_frame(payload, opcode=1):
    header = bytes([0x80 | opcode])
    length = len(payload)
    if length < 126:
        header += bytes([0x80 | length])
    elif length < 65536:
        header += bytes([0x80 | 126]) + struct.pack("!H", length)
    else:
        header += bytes([0x80 | 127]) + struct.pack("!Q", length)
    mask = os.urandom(4)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def ws_unframe(buffer):
    if len(buffer) < 2:
        return None
    opcode = buffer[0] & 0x0F
    length = buffer[1] & 0x7F
    offset = 2
    if length == 126:
        if len(buffer) < 4:
            return None
        length = struct.unpack("!H", buffer[2:4])[0]
        offset = 4
    elif length == 127:
        if len(buffer) < 10:
            return None
        length = struct.unpack("!Q", buffer[2:10])[0]
        offset = 10
    masked = buffer[1] & 0x80
    if masked:
        offset += 4
    if len(buffer) < offset + length:
        return None
    payload = buffer[offset:offset + length]
    if masked:
        mask = buffer[offset - 4:offset]
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return opcode, payload, offset + length


# ---------------------------------------------------------------- a small user agent

class UserAgent:
    """Builds requests and answers for one user over one Connection."""

    def __init__(self, connection, user, domain="localhost", password=None):
        self.c = connection
        self.user = user
        self.domain = domain
        self.password = password
        self.cseq = 0
        self.tag = secrets.token_hex(4)
        self.call_id = secrets.token_hex(8)
        self.contact_host = (f"{secrets.token_hex(4)}.invalid"
                             if connection.transport in ("ws", "wss")
                             else f"{connection.local[0]}:{connection.local[1]}")

    def via(self):
        host, port = self.c.local[0], self.c.local[1]
        return (f"SIP/2.0/{self.c.via_transport} {host}:{port}"
                f";branch=z9hG4bK{secrets.token_hex(6)};rport")

    def contact(self, params=""):
        return f"<sip:{self.user}@{self.contact_host};transport={self.c.transport}{params}>"

    def request(self, method, uri, headers=(), body="", to=None, call_id=None, cseq=None,
                from_tag=None, via=None):
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        lines = [f"{method} {uri} SIP/2.0",
                 f"Via: {via or self.via()}",
                 "Max-Forwards: 70",
                 f"From: <sip:{self.user}@{self.domain}>;tag={from_tag or self.tag}",
                 f"To: {to or f'<sip:{self.user}@{self.domain}>'}",
                 f"Call-ID: {call_id or self.call_id}",
                 f"CSeq: {cseq} {method}"]
        lines += list(headers)
        lines.append(f"Content-Length: {len(body.encode())}")
        return "\r\n".join(lines) + "\r\n\r\n" + body

    def transact(self, text, timeout=3.0):
        """Sends a request and returns its final response (skipping 1xx)."""
        self.c.send(text)
        deadline = time.time() + timeout
        while time.time() < deadline:
            message = self.c.recv(deadline - time.time())
            if message is None:
                break
            if message.is_response and message.status >= 200:
                return message
        raise Failure(f"no final response to {text.splitlines()[0]}")

    def register(self, expires=300, contact=None, algorithm_pick=None, extra=()):
        uri = f"sip:{self.domain}"
        contact = contact or self.contact()
        headers = [f"Contact: {contact}", f"Expires: {expires}", *extra]
        response = self.transact(self.request("REGISTER", uri, headers))
        if response.status == 401:
            challenges = response.all("WWW-Authenticate")
            chosen = challenges[0]
            if algorithm_pick:
                chosen = next(c for c in challenges if f"algorithm={algorithm_pick}" in c)
            auth = digest_response(chosen, "REGISTER", uri, self.user, self.password)
            response = self.transact(self.request("REGISTER", uri,
                                                  headers + [f"Authorization: {auth}"]))
        return response

    def respond(self, request, status, reason, body="", extra=(), to_tag=None):
        lines = [f"SIP/2.0 {status} {reason}"]
        lines += [f"Via: {v}" for v in request.all("Via")]
        lines += [f"Record-Route: {v}" for v in request.all("Record-Route")]
        lines += [f"From: {request.get('From')}"]
        to = request.get("To")
        if to_tag and ";tag=" not in to:
            to += f";tag={to_tag}"
        lines += [f"To: {to}", f"Call-ID: {request.get('Call-ID')}", f"CSeq: {request.get('CSeq')}"]
        if status < 300 and request.method == "INVITE":
            lines.append(f"Contact: {self.contact()}")
        lines += list(extra)
        lines.append(f"Content-Length: {len(body.encode())}")
        self.c.send("\r\n".join(lines) + "\r\n\r\n" + body)

    def wait_request(self, method, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            message = self.c.recv(deadline - time.time())
            if message is None:
                break
            if not message.is_response and message.method == method:
                return message
        raise Failure(f"no {method} arrived at {self.user} over {self.c.transport}")


# ---------------------------------------------------------------- processes

class Process:
    def __init__(self, args, log_path, **kwargs):
        self.args = args
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, **kwargs)

    def stop(self, timeout=10):
        """SIGTERM, wait; returns the exit status (killing after timeout)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")


class Gateway:
    """rtcgate run with a config of its own in a temporary directory, on free ports."""

    def __init__(self, binary, users=(("alice", "alicepw"), ("bob", "bobpw")), auth=True,
                 extra_yaml="", transports=("udp", "tcp", "tls", "ws", "wss"),
                 max_message_size=65535, auth_algorithms=None, fixed_ports=None,
                 media_extra="", log_format="text"):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="rtcgate-test-")
        self.fixed_ports = fixed_ports or {}
        self.ports = {t: self.fixed_ports.get(t) or free_port() for t in transports}
        listen = ", ".join(f"{t}://127.0.0.1:{p}" for t, p in self.ports.items())
        self.config = os.path.join(self.dir, "rtcgate.yaml")
        media_port = 20000 + (self.ports[transports[0]] % 20) * 1000
        self.http_port = free_port()
        # Without auth_algorithms each transport gets its default challenge order.
        algorithms = f"  auth_algorithms: {auth_algorithms}\n" if auth_algorithms else ""
        with open(self.config, "w") as f:
            f.write(f"node: {{ id: test, data_dir: {self.dir}/data }}\n"
                    f"log: {{ level: {os.environ.get('RTCGATE_TEST_LOG', 'debug')}, "
                    f"format: {log_format} }}\n"
                    f"sip:\n  domains: [localhost]\n  listen: [{listen}]\n"
                    f"  auth: {'true' if auth else 'false'}\n"
                    f"  max_message_size: {max_message_size}\n{algorithms}"
                    f"media: {{ ports: {media_port}-{media_port + 999}{media_extra} }}\n"
                    f"http: {{ listen: 127.0.0.1:{self.http_port} }}\n" + extra_yaml)
        for user, password in users:
            out = subprocess.run([binary, "user", "add", f"{user}@localhost", "--password",
                                  password, "--config", self.config], capture_output=True)
            check(out.returncode == 0, f"user add failed: {out.stderr.decode()}")
        self.process = None

    def start(self, attempts=3):
        """Starts rtcgate. Another test running in parallel may take a port between free_port()
        and the gateway's bind: that race is the test's, not a gateway failure, so the port
        is moved in the config (keeping any edits made to it) and the start retried."""
        for attempt in range(attempts):
            self.process = Process([self.binary, "run", "--config", self.config],
                                   os.path.join(self.dir, "rtcgate.log"))
            try:
                self.wait_ready()
                return self
            except Failure:
                taken = re.findall(r"127\.0\.0\.1:(\d+): Address already in use",
                                   self.process.output())
                if not taken or attempt + 1 == attempts:
                    raise
                self.process.stop()
                self.move_port(int(taken[0]))

    def move_port(self, port):
        fixed = self.fixed_ports.values()
        check(port not in fixed, f"fixed port {port} is taken")
        new = free_port()
        with open(self.config) as f:
            text = f.read()
        with open(self.config, "w") as f:
            f.write(text.replace(f"127.0.0.1:{port}", f"127.0.0.1:{new}"))
        self.ports = {t: new if p == port else p for t, p in self.ports.items()}
        if self.http_port == port:
            self.http_port = new

    def wait_ready(self, timeout=10):
        deadline = time.time() + timeout
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        while time.time() < deadline:
            check(self.process.proc.poll() is None,
                  "rtcgate exited during start:\n" + self.process.output())
            options = (f"OPTIONS sip:127.0.0.1:{self.ports['udp']} SIP/2.0\r\n"
                       f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{secrets.token_hex(6)};rport\r\n"
                       f"Max-Forwards: 70\r\nFrom: <sip:probe@localhost>;tag=1\r\n"
                       f"To: <sip:127.0.0.1>\r\nCall-ID: {secrets.token_hex(6)}\r\n"
                       f"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
            probe.sendto(options.encode(), ("127.0.0.1", self.ports["udp"]))
            probe.settimeout(0.2)
            try:
                probe.recvfrom(65536)
                probe.close()
                return
            except socket.timeout:
                continue
        raise Failure("rtcgate did not answer OPTIONS:\n" + self.process.output())

    def stop(self):
        status = self.process.stop() if self.process else 0
        return status

    def http(self, method, path, body=None):
        """(status, body) of a management API request; `body` is sent as JSON."""
        import http.client
        connection = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=5)
        # The API takes state-changing requests as JSON only.
        headers = {"Content-Type": "application/json"} if method != "GET" else {}
        connection.request(method, path, headers=headers,
                           body=json.dumps(body) if body is not None else None)
        response = connection.getresponse()
        body = response.read().decode()
        connection.close()
        return response.status, body

    def log(self):
        return self.process.output() if self.process else ""

    def calls(self):
        """The calls in progress, as GET /api/v1/calls lists them."""
        status, body = self.http("GET", "/api/v1/calls")
        check(status == 200, f"GET /api/v1/calls answered {status}")
        return json.loads(body)["calls"]

    def last_cdr(self):
        """The newest CDR, as GET /api/v1/cdrs lists it."""
        status, body = self.http("GET", "/api/v1/cdrs?limit=1")
        check(status == 200, f"GET /api/v1/cdrs answered {status}")
        listed = json.loads(body)
        return (listed["cdrs"] if isinstance(listed, dict) else listed)[0]

    def metric(self, name, labels=None):
        """The value of the /metrics sample `name` (written with its labels); with `labels`, the
        sum of the samples of family `name` whose label text contains `labels`."""
        status, body = self.http("GET", "/metrics")
        check(status == 200, f"/metrics answered {status}")
        values = []
        for line in body.splitlines():
            sample, _, value = line.rpartition(" ")
            family, _, label_text = sample.partition("{")
            if sample == name or (labels is not None and family == name and
                                  labels in label_text):
                values.append(float(value))
        check(values, f"{name} {labels or ''} is not in /metrics")
        return sum(values)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def sipp(scenario, target_port, local_port, extra=(), transport="u1", timeout=30, log_dir=None,
         background=False):
    """Runs Debian's sipp with a scenario from tests/integration/scenarios."""
    path = scenario if os.path.isabs(scenario) else os.path.join(HERE, "scenarios", scenario)
    args = ["sipp", f"127.0.0.1:{target_port}", "-sf", path, "-i", "127.0.0.1", "-p",
            str(local_port), "-t", transport, "-m", "1", "-nostdin", "-timeout", f"{timeout}s",
            "-timeout_error", "-trace_err", "-trace_msg", "-max_recv_loops", "1000", *extra]
    auth_uri = _sipp_auth_uri(path, extra, target_port)
    if auth_uri and "-auth_uri" not in extra:
        args += ["-auth_uri", auth_uri]
    cwd = log_dir or tempfile.mkdtemp(prefix="sipp-")
    if background:
        return subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    out = subprocess.run(args, cwd=cwd, capture_output=True, timeout=timeout + 15)
    return out.returncode, cwd


def _sipp_auth_uri(path, extra, target_port):
    """What sipp must sign in [authentication]: the Request-URI it sends there (rtcgate checks
    that the digest uri is the Request-URI). sipp signs remote_ip:remote_port unless told; its
    -auth_uri takes the URI without "sip:"."""
    with open(path) as f:
        text = f.read()
    match = re.search(r"^\s*[A-Z]+ sip:(\S+) SIP/2\.0(?:(?!</send>).)*\[authentication",
                      text, re.S | re.M)
    if not match:
        return None
    extra = list(extra)
    service = extra[extra.index("-s") + 1] if "-s" in extra else "service"
    return (match.group(1).replace("[service]", service).replace("[remote_ip]", "127.0.0.1")
            .replace("[remote_port]", str(target_port)))


def wait_udp_bound(port, timeout=10.0):
    """Waits until something (a sipp started in the background) listens on UDP port `port`, so
    that the first request sent to it is not lost to a port nobody has bound yet. Reads
    /proc/net/udp rather than probing with a bind, which could take the port from the starter."""
    wanted = ":%04X" % port
    deadline = time.time() + timeout
    while time.time() < deadline:
        for table in ("/proc/net/udp", "/proc/net/udp6"):
            try:
                with open(table) as f:
                    next(f)
                    if any(line.split()[1].endswith(wanted) for line in f):
                        return
            except OSError:
                continue
        time.sleep(0.05)
    raise Failure(f"nothing listens on udp port {port} after {timeout} s")


def sipp_logs(directory):
    text = ""
    for name in sorted(os.listdir(directory)):
        if name.endswith(".log"):
            with open(os.path.join(directory, name), errors="replace") as f:
                text += f"--- {name}\n" + f.read()[-3000:]
    return text


def run_tests(tests, gateways=()):
    """Runs (name, fn) pairs, printing PASS/FAIL lines, then stops the gateways (each must exit
    0 on SIGTERM) and exits non-zero on any failure."""
    failed = 0
    for name, fn in tests:
        started = time.time()
        try:
            fn()
            print(f"PASS {name} ({time.time() - started:.1f}s)", flush=True)
        except Exception as e:  # noqa: BLE001 - a test harness reports everything
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
    for gateway in gateways:
        status = gateway.stop()
        if status != 0:
            failed += 1
            print(f"FAIL rtcgate exited with status {status} on SIGTERM:\n{gateway.log()[-3000:]}")
        gateway.cleanup()
    print(f"{len(tests) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def tests_in(namespace):
    return [(name, fn) for name, fn in namespace.items() if name.startswith("test_")]


SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def answer_incoming_call(ua, timeout=8.0):
    """Waits for an INVITE at ua, rings, answers with SDP, waits for the ACK; returns the INVITE."""
    invite = ua.wait_request("INVITE", timeout)
    to_tag = secrets.token_hex(4)
    ua.respond(invite, 180, "Ringing", to_tag=to_tag)
    ua.respond(invite, 200, "OK", body=SDP, extra=["Content-Type: application/sdp"],
               to_tag=to_tag)
    ua.wait_request("ACK", timeout)
    invite.to_tag = to_tag
    return invite


def expect_bye(ua, timeout=8.0):
    bye = ua.wait_request("BYE", timeout)
    ua.respond(bye, 200, "OK")
    return bye


def place_call(ua, callee, hold_seconds=0.3, hangup=True, body=SDP, extra=()):
    """ua calls callee@localhost: INVITE (offer `body`, `extra` headers), answers a 407 with
    digest, ACKs the 200 along the Record-Route set, optionally hangs up with BYE. Returns
    (final response, dialog)."""
    uri = f"sip:{callee}@localhost"
    contact = [f"Contact: {ua.contact()}", "Content-Type: application/sdp", *extra]
    call_id = secrets.token_hex(8)
    invite = ua.request("INVITE", uri, contact, body=body, call_id=call_id, to=f"<{uri}>")
    ua.c.send(invite)
    cseq = ua.cseq
    final = _final(ua, call_id)
    if final.status == 407:
        ua.c.send(_ack_for_failure(ua, invite, final))
        auth = digest_response(final.all("Proxy-Authenticate")[0], "INVITE", uri, ua.user,
                               ua.password)
        invite = ua.request("INVITE", uri, contact + [f"Proxy-Authorization: {auth}"], body=body,
                            call_id=call_id, to=f"<{uri}>")
        ua.c.send(invite)
        cseq = ua.cseq
        final = _final(ua, call_id)
    if final.status >= 300:
        ua.c.send(_ack_for_failure(ua, invite, final))
        return final, None
    routes = list(reversed(final.all("Record-Route")))
    target = re.search(r"<([^>]+)>", final.get("Contact")).group(1)
    dialog = {"call_id": call_id, "to": final.get("To"), "routes": routes, "target": target}
    ua.c.send(in_dialog_request(ua, dialog, "ACK", cseq))
    if hangup:
        time.sleep(hold_seconds)
        bye = in_dialog_request(ua, dialog, "BYE")
        response = ua.transact(bye)
        check(response.status == 200, f"BYE answered {response.status}")
    return final, dialog


def in_dialog_request(ua, dialog, method, cseq=None):
    headers = [f"Route: {r}" for r in dialog["routes"]]
    return ua.request(method, dialog["target"], headers, to=dialog["to"],
                      call_id=dialog["call_id"], cseq=cseq)


def _final(ua, call_id, timeout=8.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        message = ua.c.recv(deadline - time.time())
        if message is None:
            break
        # The INVITE's, not the 200 of a CANCEL of it.
        if (message.is_response and message.get("Call-ID") == call_id and
                message.status >= 200 and message.cseq_method() == "INVITE"):
            return message
    raise Failure(f"no final response to INVITE {call_id}")


def _ack_for_failure(ua, invite, final):
    request = Message(invite)
    lines = [f"ACK {request.uri} SIP/2.0", f"Via: {request.get('Via')}", "Max-Forwards: 70",
             f"From: {request.get('From')}", f"To: {final.get('To')}",
             f"Call-ID: {request.get('Call-ID')}", f"CSeq: {request.get('CSeq').split()[0]} ACK",
             "Content-Length: 0"]
    return "\r\n".join(lines) + "\r\n\r\n"


class Callee:
    """Answers one call at ua in a background thread (INVITE -> 180/200, ACK, then the BYE);
    finish() waits for it and fails the test with whatever went wrong there."""

    def __init__(self, ua, bye_timeout=8.0):
        self.ua = ua
        self.bye_timeout = bye_timeout
        self.errors = []
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self):
        try:
            answer_incoming_call(self.ua)
            expect_bye(self.ua, timeout=self.bye_timeout)
        except Exception as e:  # noqa: BLE001 - reported by finish()
            self.errors.append(e)

    def finish(self, context="", wait=15):
        self.thread.join(wait)
        check(not self.thread.is_alive(), f"callee over {self.ua.c.transport} still waiting")
        check(not self.errors, f"callee over {self.ua.c.transport}: {self.errors}\n{context}")


def answering(gw, user, password, bye_timeout=30):
    """`user` registered over UDP, answering one call and then waiting for its BYE."""
    ua = UserAgent(Connection("udp", gw.ports["udp"]), user, password=password)
    response = ua.register()
    check(response.status == 200, f"{user}'s REGISTER: {response.status}")
    return Callee(ua, bye_timeout=bye_timeout)


class RtpEventReceiver:
    """A phone's media socket: reads the RTP the relay sends it and keeps the RFC 4733 events
    (any dynamic payload type: the phone answered with the offer's) as (event, timestamp, end)
    in arrival order; with `echo`, sends the audio packets back (as sipp -rtp_echo does)."""

    def __init__(self, echo=False):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.packets, self.audio, self.echo = [], 0, echo
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while self.running:
            try:
                data, source = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            if len(data) < 16 or data[0] >> 6 != 2:
                continue
            if data[1] & 0x7F < 96:
                self.audio += 1
                if self.echo:
                    self.sock.sendto(data, source)
                continue
            timestamp = struct.unpack("!I", data[4:8])[0]
            self.packets.append((data[12], timestamp, bool(data[13] & 0x80)))

    def digits(self):
        """Each event once, by its timestamp, with how many end packets it had."""
        seen = {}
        for event, timestamp, end in self.packets:
            entry = seen.setdefault(timestamp, [event, 0])
            entry[1] += end
        return [tuple(v) for v in seen.values()]

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


class EventSocket:
    """A minimal WebSocket client of /api/v1/events: handshake, then one JSON event per frame."""

    def __init__(self, port, target="/api/v1/events"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            check(chunk, "connection closed during the WebSocket handshake")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        self.status = int(head.split()[1])
        self.events = []

    def read_until(self, predicate, timeout=10):
        """Collects events until predicate(events) holds; answers pings; returns the events."""
        deadline = time.time() + timeout
        while not predicate(self.events):
            check(time.time() < deadline, f"timed out; events so far: {self.types()}")
            frame = ws_unframe(self.buffer)
            if frame is None:
                self.sock.settimeout(max(0.1, deadline - time.time()))
                try:
                    chunk = self.sock.recv(65536)
                except socket.timeout:
                    continue
                check(chunk, f"server closed the event stream; events: {self.types()}")
                self.buffer += chunk
                continue
            opcode, payload, used = frame
            self.buffer = self.buffer[used:]
            if opcode == 1:
                self.events.append(json.loads(payload))
            elif opcode == 9:
                self.sock.sendall(ws_frame(payload, opcode=10))
            elif opcode == 8:
                raise Failure(f"close frame {payload!r}; events: {self.types()}")
        return self.events

    def close_code(self, timeout=10):
        """Waits for the server's close frame; returns its status code."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            frame = ws_unframe(self.buffer)
            if frame:
                opcode, payload, used = frame
                self.buffer = self.buffer[used:]
                if opcode == 8:
                    return int.from_bytes(payload[:2], "big")
                continue
            self.sock.settimeout(max(0.1, deadline - time.time()))
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
        return None

    def types(self):
        return [e["type"] for e in self.events]
