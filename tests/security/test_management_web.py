"""Attacks on the management plane from a web page (issue 13, item 10).

A page the operator happens to open can make the browser send requests to the gateway's
management API on loopback: a cross-origin fetch or an HTML form POST, or, through DNS rebinding,
requests under the attacker's own host name. A page can also open WebSockets to the events
stream and to the SIP WebSocket listener. Each attack is sent here as the browser would send it,
and must be refused without changing anything; the same requests from the API's own origin and
from tools (no Origin) keep working.
"""
import base64
import http.client
import json
import os
import socket

from sinks import siptest
from siptest import Connection, Gateway, UserAgent, check, parse_args, run_tests, tests_in

args = parse_args()
EVIL = "http://evil.example"
TOKEN = "s3cret-token"


def with_http_keys(gateway, keys):
    """Adds keys to the harness's one-line `http: {...}` mapping."""
    with open(gateway.config) as f:
        text = f.read()
    text = text.replace(f"http: {{ listen: 127.0.0.1:{gateway.http_port} }}",
                        f"http: {{ listen: 127.0.0.1:{gateway.http_port}, {keys} }}")
    with open(gateway.config, "w") as f:
        f.write(text)
    return gateway


# The development gateway as most people run it: no token, loopback only. A web page can reach
# it, so the browser-facing checks are all that stand between the page and the API.
open_gw = Gateway(args.binary, transports=("udp", "ws")).start()
# With a token, and with an allow-list of origins on the SIP WebSocket listener.
ws_yaml = "  ws_allowed_origins: [https://phone.example]\n"
token_gw = Gateway(args.binary, transports=("udp", "ws"))
with open(token_gw.config) as f:
    config = f.read()
with open(token_gw.config, "w") as f:
    f.write(config.replace("  auth: true\n", "  auth: true\n" + ws_yaml))
try:
    with_http_keys(token_gw, f"token: {TOKEN}").start()
except Exception:
    open_gw.stop()  # the harness only stops gateways that run_tests was given
    raise


def api(gw, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", gw.http_port, timeout=5)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    text = response.read().decode(errors="replace")
    connection.close()
    return response.status, text


def own_origin(gw):
    return f"http://127.0.0.1:{gw.http_port}"


def registered_alice(gw):
    ua = UserAgent(Connection("udp", gw.ports["udp"]), "alice", password="alicepw")
    response = ua.register()
    check(response.status == 200, f"alice could not register: {response.status}")
    return ua


def registrations(gw):
    status, body = api(gw, "GET", "/api/v1/registrations")
    check(status == 200, f"own request for registrations answered {status}: {body}")
    return [r["aor"] for r in json.loads(body)["registrations"]]


def no_invite_for(ua, seconds=1.5):
    try:
        ua.wait_request("INVITE", timeout=seconds)
    except siptest.Failure:
        return True
    return False


def with_alice(attack):
    """Runs attack(alice) while alice is registered over UDP, then closes her socket."""
    def test():
        alice = registered_alice(open_gw)
        try:
            attack(alice)
        finally:
            alice.c.close()
    return test


ORIGINATE = json.dumps({"from": "alice", "to": "alice"})


@with_alice
def test_cross_origin_originate_is_refused_and_rings_nobody(alice):
    status, text = api(open_gw, "POST", "/api/v1/calls", ORIGINATE,
                       {"Origin": EVIL, "Content-Type": "application/json"})
    check(status == 403, f"cross-origin originate answered {status}: {text}")
    check(no_invite_for(alice), "a cross-origin originate rang alice")


@with_alice
def test_cross_origin_unregister_is_refused(alice):
    status, text = api(open_gw, "DELETE", "/api/v1/registrations/alice@localhost",
                       headers={"Origin": EVIL, "Content-Type": "application/json"})
    check(status == 403, f"cross-origin DELETE answered {status}: {text}")
    check(any("alice" in aor for aor in registrations(open_gw)),
          "a cross-origin DELETE removed alice's registration")


def test_dns_rebinding_host_is_refused():
    for host in (f"evil.example:{open_gw.http_port}", "evil.example", "127.0.0.1.evil.example"):
        status, text = api(open_gw, "GET", "/api/v1/registrations", headers={"Host": host})
        check(status in (403, 421), f"Host {host} answered {status}: {text}")
        check("registrations" not in text, f"Host {host} got the registrations: {text}")


@with_alice
def test_form_posts_are_refused(alice):
    for content_type in ("text/plain", "application/x-www-form-urlencoded",
                         "multipart/form-data; boundary=x", None):
        headers = {"Content-Type": content_type} if content_type else {}
        status, text = api(open_gw, "POST", "/api/v1/calls", ORIGINATE, headers)
        check(status == 415, f"POST with Content-Type {content_type} answered {status}: {text}")
    check(no_invite_for(alice), "a form POST rang alice")


@with_alice
def test_own_origin_and_tools_still_work(alice):
    status, text = api(open_gw, "GET", "/api/v1/registrations",
                       headers={"Origin": own_origin(open_gw)})
    check(status == 200, f"same-origin GET answered {status}: {text}")
    status, text = api(open_gw, "GET", "/api/v1/health",
                       headers={"Host": f"localhost:{open_gw.http_port}"})
    check(status == 200, f"Host localhost answered {status}: {text}")
    status, text = api(open_gw, "DELETE", "/api/v1/registrations/alice@localhost",
                       headers={"Origin": own_origin(open_gw),
                                "Content-Type": "application/json"})
    check(status == 200, f"same-origin DELETE answered {status}: {text}")


def test_token_in_url_is_refused():
    status, text = api(token_gw, "GET", f"/api/v1/stats?token={TOKEN}")
    check(status == 401, f"?token= on the API answered {status}")
    status, _ = upgrade(token_gw.http_port, f"/api/v1/events?token={TOKEN}")
    check(status == 401, f"?token= on the events WebSocket answered {status}")
    status, text = api(token_gw, "GET", "/api/v1/stats",
                       headers={"Authorization": f"Bearer {TOKEN}"})
    check(status == 200, f"the token in its header answered {status}: {text}")


def upgrade(port, target, headers=()):
    """(status, head) of a WebSocket upgrade request."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n")
    sock.sendall(request.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    sock.close()
    text = head.decode(errors="replace")
    return (int(text.split()[1]) if text else 0), text


def test_events_websocket_checks_origin():
    status, _ = upgrade(open_gw.http_port, "/api/v1/events", [f"Origin: {EVIL}"])
    check(status == 403, f"events WebSocket from a foreign Origin answered {status}")
    status, _ = upgrade(open_gw.http_port, "/api/v1/events", [f"Origin: {own_origin(open_gw)}"])
    check(status == 101, f"events WebSocket from the API's own origin answered {status}")
    status, head = upgrade(token_gw.http_port, "/api/v1/events",
                           [f"Origin: {own_origin(token_gw)}",
                            f"Sec-WebSocket-Protocol: rtcgate.events, bearer.{TOKEN}"])
    check(status == 101, f"events WebSocket with the token as subprotocol answered {status}")
    check("sec-websocket-protocol: rtcgate.events" in head.lower(),
          f"the subprotocol was not selected:\n{head}")
    status, _ = upgrade(token_gw.http_port, "/api/v1/events",
                        ["Sec-WebSocket-Protocol: rtcgate.events, bearer.guess"])
    check(status == 401, f"events WebSocket with a wrong token answered {status}")


def test_sip_websocket_allowed_origins():
    port = token_gw.ports["ws"]
    sip = ["Sec-WebSocket-Protocol: sip"]
    status, _ = upgrade(port, "/", sip + [f"Origin: {EVIL}"])
    check(status == 403, f"SIP WebSocket from a foreign Origin answered {status}")
    status, _ = upgrade(port, "/", sip + ["Origin: https://phone.example"])
    check(status == 101, f"SIP WebSocket from an allowed Origin answered {status}")
    # Without ws_allowed_origins any origin may connect (the default, for development).
    status, _ = upgrade(open_gw.ports["ws"], "/", sip + [f"Origin: {EVIL}"])
    check(status == 101, f"SIP WebSocket without an allow-list answered {status}")


def test_refusals_are_counted():
    status, text = api(open_gw, "GET", "/metrics")
    check(status == 200, f"/metrics answered {status}")
    for reason in ("host", "origin", "content_type"):
        line = f'rtcgate_http_refused_total{{reason="{reason}"}}'
        values = [l for l in text.splitlines() if l.startswith(line)]
        check(values and float(values[0].split()[-1]) >= 1, f"no count for {line}")


run_tests(tests_in(globals()), [open_gw, token_gw])
