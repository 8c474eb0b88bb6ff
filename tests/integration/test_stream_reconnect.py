"""Calls and registrations outlive TCP connections (docs/calls.md, "Connections"): a connection
that carries a call is not closed for idleness however quiet the call is; a phone that registered
over TCP or TLS without outbound stays reachable when its connection closes, through a new connection
to its Contact (RFC 3261 18.1.1), as Kamailio does; when the connection of a phone in a call
closes, the call goes on and the other side's BYE reaches the phone over a new connection."""
import os
import re
import socket
import ssl
import subprocess
import threading
import time

from siptest import (Callee, Connection, Gateway, UserAgent, answer_incoming_call, check,
                     expect_bye, in_dialog_request, parse_args, place_call, run_tests, sipp,
                     tests_in)

args = parse_args()
IDLE = 2
gw = Gateway(args.binary, transports=("udp", "tcp", "tls"),
             users=(("alice", "alicepw"), ("bob", "bobpw"), ("dave", "davepw")))
with open(gw.config) as f:
    config = f.read()
with open(gw.config, "w") as f:
    f.write(config.replace("sip:\n", f"sip:\n  idle_timeout: {IDLE}\n", 1))
gw.start()
UDP, TCP, TLS = gw.ports["udp"], gw.ports["tcp"], gw.ports["tls"]



def closed_by_gateway(connection, within):
    connection.sock.settimeout(within)
    try:
        return connection.sock.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


def test_an_idle_connection_without_a_call_is_closed():
    # The control: what the idle timeout does to a connection that carries nothing.
    idle = Connection("tcp", TCP)
    idle.send(f"OPTIONS sip:127.0.0.1:{TCP} SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKo1"
              f"\r\nMax-Forwards: 70\r\nFrom: <sip:x@x.test>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
              f"Call-ID: idle1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
    check(idle.recv(3) is not None, "OPTIONS not answered")
    check(closed_by_gateway(idle, 3 * IDLE), "an idle connection was not closed")


def test_a_silent_tcp_call_outlives_the_idle_timeout():
    bob = UserAgent(Connection("udp", UDP), "bob", password="bobpw")
    check(bob.register().status == 200, "bob could not register")
    callee = Callee(bob, bye_timeout=20)
    # alice calls over TCP without registering: only the call holds her connection.
    alice = UserAgent(Connection("tcp", TCP), "alice", password="alicepw")
    response, dialog = place_call(alice, "bob", hangup=False)
    check(response.status == 200, f"the call was not answered: {response.status}")
    check(not closed_by_gateway(alice.c, 4 * IDLE), "the call's connection was closed")
    check(any(call["call_id"] == dialog["call_id"] for call in gw.calls()), "the call was ended")
    response = alice.transact(in_dialog_request(alice, dialog, "BYE"))
    check(response is not None and response.status == 200, f"BYE answered {response}")
    callee.finish()
    alice.c.close()
    bob.c.close()


def register_then_hang_up(user, contact_port):
    """Registers user over a TCP connection with a Contact elsewhere, then closes it."""
    phone = UserAgent(Connection("tcp", TCP), user, password=f"{user}pw")
    contact = f"<sip:{user}@127.0.0.1:{contact_port};transport=tcp>"
    check(phone.register(contact=contact).status == 200, f"{user} could not register")
    phone.c.close()
    time.sleep(0.3)


def test_a_phone_that_registered_over_tcp_is_reached_after_its_connection_closed():
    port = free_tcp_port()
    register_then_hang_up("dave", port)
    # Another process answers: sipp's UAS listening on TCP at dave's Contact.
    uas = sipp("uas_answer.xml", TCP, port, transport="t1", background=True, timeout=20)
    try:
        time.sleep(0.5)
        bob = UserAgent(Connection("udp", UDP), "bob", password="bobpw")
        response, _ = place_call(bob, "dave", hold_seconds=0.5)
        check(response.status == 200, f"the call to dave was answered {response.status}")
    finally:
        uas.terminate()
        uas.wait()


def test_a_phone_that_registered_over_tls_is_reached_after_its_connection_closed():
    # The same over TLS, with a phone of our own: it registers over one TLS connection, which
    # closes; the call to it arrives over a new TLS connection the gateway opens to its Contact.
    listener = tls_listener()
    port = listener.getsockname()[1]
    phone = UserAgent(Connection("tls", TLS), "dave", password="davepw")
    contact = f"<sip:dave@127.0.0.1:{port};transport=tls>"
    check(phone.register(contact=contact).status == 200, "dave could not register over TLS")
    phone.c.close()
    time.sleep(0.3)
    answered = []

    def answer():
        listener.settimeout(15)
        sock, _ = listener.accept()
        connection = Connection.__new__(Connection)
        connection.transport, connection.sock, connection.buffer = "tls", sock, b""
        connection.peer, connection.local = sock.getpeername(), sock.getsockname()
        ua = UserAgent(connection, "dave")
        answer_incoming_call(ua)
        answered.append(expect_bye(ua, timeout=15))

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    bob = UserAgent(Connection("udp", UDP), "bob", password="bobpw")
    response, _ = place_call(bob, "dave", hold_seconds=0.5)
    thread.join(20)
    listener.close()
    check(response.status == 200, f"the call to dave over TLS was answered {response.status}\n"
          f"{gw.log()[-2000:]}")
    check(answered, "dave's BYE did not arrive over the new TLS connection")


def tls_listener():
    """A TLS server socket on a free port with a throwaway self-signed certificate."""
    cert, key = os.path.join(gw.dir, "phone.crt"), os.path.join(gw.dir, "phone.key")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                        "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.bind(("127.0.0.1", 0))
    raw.listen(4)
    return context.wrap_socket(raw, server_side=True)


class TcpPhone:
    """A phone listening on TCP at its Contact: accepts the gateway's new connections and answers
    what arrives on them (in a thread), as a UA whose first connection is gone must."""

    def __init__(self, user):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.user = user
        self.received = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self.listener.settimeout(30)
        try:
            sock, _ = self.listener.accept()
        except OSError:
            return
        connection = Connection.__new__(Connection)
        connection.transport, connection.sock, connection.buffer = "tcp", sock, b""
        connection.peer, connection.local = sock.getpeername(), sock.getsockname()
        ua = UserAgent(connection, self.user)
        self.received.append(expect_bye(ua, timeout=20))


def test_a_call_goes_on_when_the_phones_connection_closes():
    bob = UserAgent(Connection("udp", UDP), "bob", password="bobpw")
    check(bob.register().status == 200, "bob could not register")
    phone = TcpPhone("dave")
    dave = UserAgent(Connection("tcp", TCP), "dave", password="davepw")
    dave.contact_host = f"127.0.0.1:{phone.port}"
    answered = {}
    answerer = threading.Thread(target=lambda: answered.update(invite=answer_incoming_call(bob)))
    answerer.start()
    response, dialog = place_call(dave, "bob", hangup=False)
    answerer.join(10)
    check(response.status == 200 and "invite" in answered, f"the call was not answered: {response}")
    dave.c.close()  # the phone's connection is gone; its call is not
    time.sleep(0.5)
    check(any(call["call_id"] == dialog["call_id"] for call in gw.calls()), "the call was ended")
    invite = answered["invite"]
    bye = bob_bye(bob, invite)
    bob.c.send(bye)
    deadline = time.time() + 10
    while not phone.received and time.time() < deadline:
        time.sleep(0.1)
    check(phone.received, "bob's BYE did not reach dave's phone over a new connection")
    final = bob.c.recv(5)
    check(final is not None and final.status == 200, f"bob's BYE was answered {final}")
    bob.c.close()


def bob_bye(bob, invite):
    """bob's BYE in the call of `invite` (he is the callee): along its Record-Route, to dave."""
    routes = [f"Route: {route}" for route in invite.all("Record-Route")]
    target = re.search(r"<([^>]+)>", invite.get("Contact")).group(1)
    lines = [f"BYE {target} SIP/2.0", f"Via: {bob.via()}", "Max-Forwards: 70", *routes,
             f"From: {invite.get('To')};tag={invite.to_tag}", f"To: {invite.get('From')}",
             f"Call-ID: {invite.get('Call-ID')}", "CSeq: 1 BYE", "Content-Length: 0"]
    return "\r\n".join(lines) + "\r\n\r\n"


def free_tcp_port():
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


run_tests(tests_in(globals()), [gw])
