"""Attack: stall the signalling loop through a peer that never answers. With an ng relay that is
silent (down, or an attacker dropping its packets), a management API query that asks that relay
must not hold SIP meanwhile: OPTIONS sent while the query waits are answered within 100 ms, and
the query itself is answered (with the relay's failure) once it gives up."""
import json
import secrets
import socket
import threading
import time

import sinks  # noqa: F401  (puts the integration harness on the import path)
from siptest import Gateway, check, parse_args, run_tests, tests_in

args = parse_args()

# A relay that receives and never answers: nothing reads this socket, so no ICMP either.
silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
silent.bind(("127.0.0.1", 0))
SILENT_PORT = silent.getsockname()[1]
gw = Gateway(args.binary, transports=("udp",), auth=False,
             media_extra=f", relay: [udp://127.0.0.1:{SILENT_PORT}]").start()


def options_round_trip(sock):
    port = sock.getsockname()[1]
    branch = secrets.token_hex(6)
    text = (f"OPTIONS sip:127.0.0.1:{gw.ports['udp']} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{branch};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:probe@localhost>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
            f"Call-ID: {secrets.token_hex(6)}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
    started = time.monotonic()
    sock.sendto(text.encode(), ("127.0.0.1", gw.ports["udp"]))
    sock.settimeout(3)
    while True:
        data, _ = sock.recvfrom(65536)
        if branch.encode() in data:
            return time.monotonic() - started


def api_query_while_probing(path):
    result = {}

    def query():
        started = time.monotonic()
        try:
            result["status"], result["body"] = gw.http("GET", path)
        except OSError as e:
            result["error"] = repr(e)
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=query)
    thread.start()
    time.sleep(0.05)  # the query is now waiting on the silent relay
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    delays = []
    try:
        while thread.is_alive() and len(delays) < 20:
            delays.append(options_round_trip(sock))
            time.sleep(0.02)
    finally:
        sock.close()
    thread.join(10)
    return result, delays


def test_options_answered_while_the_api_waits_on_a_silent_relay():
    result, delays = api_query_while_probing("/api/v1/media")
    check("error" not in result, f"the API query failed: {result.get('error')}")
    check(delays, "the API answered before any probe could be sent")
    check(max(delays) < 0.1,
          f"OPTIONS took {max(delays) * 1000:.0f} ms while the API waited on the silent relay "
          f"(the signalling loop was blocked)")
    check(result["seconds"] < 5, f"the API query took {result['seconds']:.1f} s")
    body = json.loads(result["body"])
    check("error" in json.dumps(body), f"the silent relay's failure is not reported: {body}")


def test_silent_relay_received_the_queries():
    silent.settimeout(0.5)
    data, _ = silent.recvfrom(65536)
    check(b"list" in data or b"statistics" in data or b"ping" in data,
          f"the relay got no ng query: {data[:80]!r}")


run_tests(tests_in(globals()), gateways=[gw])
