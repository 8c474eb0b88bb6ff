"""Bad input against the real binary: malformed requests get 400 with a reason, garbage is
dropped and counted, oversize messages are refused, the RFC 4475 / RFC 5118 torture corpus is
answered as those RFCs say -- and the process keeps serving throughout."""
import csv
import os
import re
import secrets
import socket
import time

from siptest import Gateway, check, parse_args, run_tests, tests_in

args = parse_args()
gw = Gateway(args.binary, transports=("udp", "tcp"), max_message_size=4096).start()
UDP, TCP = gw.ports["udp"], gw.ports["tcp"]
CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "sip-torture")


def udp_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    return sock


def alive():
    sock = udp_socket()
    port = sock.getsockname()[1]
    for _ in range(3):
        options = (f"OPTIONS sip:127.0.0.1:{UDP} SIP/2.0\r\n"
                   f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{secrets.token_hex(6)};rport\r\n"
                   f"Max-Forwards: 70\r\nFrom: <sip:probe@localhost>;tag=1\r\nTo: <sip:x@localhost>\r\n"
                   f"Call-ID: {secrets.token_hex(6)}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
        sock.sendto(options.encode(), ("127.0.0.1", UDP))
        sock.settimeout(1)
        try:
            data, _ = sock.recvfrom(65536)
            if data.startswith(b"SIP/2.0 200"):
                return True
        except socket.timeout:
            continue
    return False


def request(first_line="OPTIONS sip:127.0.0.1 SIP/2.0", cseq="1 OPTIONS", port=0, extra=""):
    return (f"{first_line}\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{secrets.token_hex(5)};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:a@localhost>;tag=1\r\nTo: <sip:b@localhost>\r\n"
            f"Call-ID: {secrets.token_hex(6)}\r\nCSeq: {cseq}\r\n{extra}Content-Length: 0\r\n\r\n")


def exchange(data, timeout=1.0):
    sock = udp_socket()
    sock.sendto(data if isinstance(data, bytes) else data.encode(), ("127.0.0.1", UDP))
    sock.settimeout(timeout)
    try:
        reply, _ = sock.recvfrom(65536)
        return reply.decode(errors="replace")
    except socket.timeout:
        return None
    finally:
        sock.close()


def test_malformed_request_gets_400_with_reason():
    reply = exchange(request(cseq="abc OPTIONS"))
    check(reply is not None and reply.startswith("SIP/2.0 400 "), f"bad CSeq answered {reply!r}")
    reason = reply.split("\r\n")[0][len("SIP/2.0 400 "):]
    check(len(reason) > 3 and reason != "Bad Request", f"400 has no specific reason: {reason!r}")
    check(alive(), "not alive after a malformed request")


def test_wrong_version_gets_505():
    reply = exchange(request(first_line="OPTIONS sip:127.0.0.1 SIP/7.0"))
    check(reply is not None and reply.startswith("SIP/2.0 505"), f"SIP/7.0 answered {reply!r}")


def test_garbage_is_dropped():
    for blob in (b"\x00\xff" * 50, os.urandom(700), b"hello world\r\n\r\n", b"SIP/2.0"):
        check(exchange(blob, timeout=0.3) is None, f"garbage {blob[:10]!r} was answered")
    check(alive(), "not alive after garbage")


def test_oversize_datagram_refused():
    big = request(extra="X-Padding: " + "a" * 5000 + "\r\n")
    check(exchange(big, timeout=0.5) is None, "oversize datagram was answered")
    check(alive(), "not alive after an oversize datagram")


def test_oversize_stream_message_closes_connection():
    sock = socket.create_connection(("127.0.0.1", TCP), timeout=3)
    sock.sendall(request(extra="X-Padding: " + "a" * 6000 + "\r\n").encode())
    try:
        data = sock.recv(4096)
    except (ConnectionResetError, socket.timeout):
        data = b""
    check(not data.startswith(b"SIP/2.0 2"), f"oversize message over TCP accepted: {data[:40]!r}")
    sock.close()
    check(alive(), "not alive after an oversize stream message")


# ---------------------------------------------------------------- RFC 4475 / RFC 5118 corpus

def listen_extra_ports():
    """Responses without rport go to the Via sent-by port (RFC 3261 18.2.2): listen where the
    corpus points them, when those ports are free."""
    sockets = []
    for port in (5060, 5050, 5070, 6050, 19823):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind(("127.0.0.1", port))
            sockets.append(sock)
        except OSError:
            sock.close()
    return sockets


def call_id_of(raw):
    match = re.search(rb"(?im)^(?:call-id|i)[ \t]*:[ \t]*(\S+)", raw)
    return match.group(1).decode(errors="replace") if match else None


def collect(sockets, call_id, timeout):
    """Responses with this Call-ID arriving on any socket within timeout (stops at a final)."""
    responses = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        for sock in sockets:
            sock.setblocking(False)
            try:
                data = sock.recv(65536)
            except (BlockingIOError, socket.timeout, ConnectionResetError):
                continue
            if not data.startswith(b"SIP/2.0 "):
                continue
            if call_id is not None and call_id_of(data) != call_id:
                continue
            status = int(data[8:11])
            responses.append(status)
            if status >= 200:
                return responses
        time.sleep(0.01)
    return responses


def verdict(row, responses, second_answered):
    expect = row["expect"]
    final = responses[-1] if responses else None
    if expect in ("accept", "accept1"):
        ok = final is not None and final != 400 and not (500 <= final < 600 and final != 501)
        return ok and not (expect == "accept1" and second_answered)
    if expect == "reject":
        codes = [int(c) for c in row["codes"].split(",") if c] or [400]
        return final is None or final in codes
    if expect == "drop":
        return final is None
    return True  # any: liveness only


def run_corpus(name):
    results = []
    extra = listen_extra_ports()
    with open(os.path.join(CORPUS, name, "expected.tsv")) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for row in rows:
        with open(os.path.join(CORPUS, name, row["name"] + ".sip"), "rb") as f:
            raw = f.read()
        call_id = call_id_of(raw)
        sock = udp_socket()
        sockets = [sock] + extra
        stream = None
        if row["transport"] == "tcp":
            stream = socket.create_connection(("127.0.0.1", TCP), timeout=2)
            stream.sendall(raw)
            sockets = [stream] + extra
        else:
            sock.sendto(raw, ("127.0.0.1", UDP))
        responses = collect(sockets, call_id, 0.6 if row["expect"] != "drop" else 0.3)
        second = False
        if row["expect"] == "accept1":
            second_id = call_id_of(raw[raw.find(b"INVITE"):]) if b"INVITE" in raw else None
            second = bool(second_id and collect([sock] + extra, second_id, 0.2))
        passed = verdict(row, responses, second) and alive()
        results.append((row["name"], responses, passed))
        if os.environ.get("TORTURE_VERBOSE"):
            print(f"    {row['name']}: {responses} {'ok' if passed else 'FAIL'}")
        sock.close()
        if stream:
            stream.close()
    for s in extra:
        s.close()
    failures = [(n, r) for n, r, p in results if not p]
    print(f"  {name}: {len(results) - len(failures)} of {len(results)} passed")
    check(not failures, f"{name} failures: {failures}")


def test_rfc4475_torture_corpus():
    run_corpus("rfc4475")


def test_rfc5118_ipv6_torture_corpus():
    run_corpus("rfc5118")


def test_counts_drops_and_errors():
    gw.stop()
    log = gw.log()
    match = re.search(r"parse_errors=(\d+) answered_400=(\d+) dropped=(\d+)", log)
    check(match, "no statistics line at shutdown")
    parse_errors, answered, dropped = map(int, match.groups())
    check(dropped >= 4, f"garbage not counted as dropped: {match.group(0)}")
    check(answered >= 2, f"400/505 answers not counted: {match.group(0)}")
    match = re.search(r"oversize_refused=(\d+)", log)
    check(match and int(match.group(1)) >= 2, "oversize messages not counted")


run_tests(tests_in(dict(globals())), [gw])
