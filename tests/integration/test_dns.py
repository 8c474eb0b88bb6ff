"""Targets by name (RFC 3263) against a real name server. dnsmasq serves NAPTR, SRV and A
records in a network and mount namespace of this test's own (`unshare -n -m`, only `lo`; a
resolv.conf naming it is bind-mounted over /etc/resolv.conf there, so rtcgate reads it as it
would in production). A route to `sip:carrier.test` reaches the best SRV target; with that target
gone the call fails over to the next within sip.failover_timeout, and the next call goes there
first; a changed address is followed once its TTL ran out; a name that does not exist is 404. A
TLS target found by name gets that name as SNI and must show a certificate for it (RFC 5922)."""
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

if os.environ.get("RTCGATE_DNS_NETNS") is None:
    env = dict(os.environ, RTCGATE_DNS_NETNS="1")
    sys.exit(subprocess.run(["unshare", "-n", "-m", "--propagation", "private", sys.executable]
                            + sys.argv, env=env).returncode)
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

from siptest import (Callee, Connection, Gateway, UserAgent, answer_incoming_call,  # noqa: E402
                     answering, check, expect_bye, free_port, parse_args, place_call, run_tests,
                     tests_in)

args = parse_args()
WORK = tempfile.mkdtemp(prefix="rtcgate-dns-")
PORT_A, PORT_B = free_port(), free_port()
PORT_TLS = free_port(socket.SOCK_STREAM)
TTL = 2
HOSTS = os.path.join(WORK, "hosts")


def write_hosts(edge1):
    with open(HOSTS, "w") as f:
        f.write(f"{edge1} edge1.carrier.test\n127.0.0.3 edge2.carrier.test\n"
                "127.0.0.5 edge.tls.test\n127.0.0.5 impostor.bad.test\n")


def start_dnsmasq():
    write_hosts("127.0.0.2")
    resolv = os.path.join(WORK, "resolv.conf")
    with open(resolv, "w") as f:
        f.write("nameserver 127.0.0.1\n")
    subprocess.run(["mount", "--bind", resolv, "/etc/resolv.conf"], check=True)
    log = open(os.path.join(WORK, "dnsmasq.log"), "w")
    process = subprocess.Popen(
        ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
         "--listen-address=127.0.0.1", "--bind-interfaces", "--port=53", "--user=root",
         "--pid-file=", "--local=/carrier.test/", f"--local-ttl={TTL}", f"--addn-hosts={HOSTS}",
         "--naptr-record=carrier.test,10,10,s,SIP+D2U,,_sip._udp.carrier.test",
         f"--srv-host=_sip._udp.carrier.test,edge1.carrier.test,{PORT_A},10,0",
         f"--srv-host=_sip._udp.carrier.test,edge2.carrier.test,{PORT_B},20,0",
         "--local=/tls.test/", "--local=/bad.test/",
         f"--srv-host=_sips._tcp.tls.test,edge.tls.test,{PORT_TLS},10,0",
         f"--srv-host=_sips._tcp.bad.test,impostor.bad.test,{PORT_TLS},10,0",
         "--log-queries", "--log-facility=-"], stdout=log, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    check(process.poll() is None, "dnsmasq did not start: " + open(log.name).read())
    return process


def make_certificates():
    """A CA of the test's own and a server certificate for edge.tls.test signed by it."""
    def openssl(*arguments):
        subprocess.run(["openssl", *arguments], cwd=WORK, check=True, capture_output=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
            "-subj", "/CN=rtcgate test CA")
    openssl("req", *ec, "-keyout", "edge.key", "-out", "edge.csr", "-subj", "/CN=edge.tls.test")
    with open(os.path.join(WORK, "san.ext"), "w") as f:
        f.write("subjectAltName=DNS:edge.tls.test\n")
    openssl("x509", "-req", "-in", "edge.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "edge.pem", "-days", "1", "-extfile", "san.ext")


dnsmasq = start_dnsmasq()
make_certificates()
routes = ("sip:\n  failover_timeout: 2\n"
          f"tls: {{ ca: {WORK}/ca.pem, verify_peer: true }}\n"
          "routes:\n"
          "  - { match: '^9[0-9]+$', to: [sip:carrier.test] }\n"
          "  - { match: '^8[0-9]+$', to: [sip:missing.carrier.test] }\n"
          "  - { match: '^7[0-9]+$', to: [sip:tls.test;transport=tls] }\n"
          "  - { match: '^6[0-9]+$', to: [sip:bad.test;transport=tls] }\n")
gw = Gateway(args.binary, transports=("udp", "tls"), extra_yaml=routes).start()
UDP = gw.ports["udp"]
# Certificates are not checked (tls.verify_peer off), except a trunk's unless it says otherwise:
# `strict` finds impostor.bad.test through bad.test's SRV record, the others go there directly.
trunks = (f"tls: {{ ca: {WORK}/ca.pem }}\n"
          "trunks:\n"
          "  - { name: strict, address: sip:bad.test;transport=tls }\n"
          f"  - {{ name: lab, address: 'sip:impostor.bad.test:{PORT_TLS};transport=tls',\n"
          "      tls: { verify_peer: false } }\n"
          "routes:\n"
          "  - { match: '^5[0-9]+$', trunk: strict }\n"
          "  - { match: '^4[0-9]+$', trunk: lab }\n"
          f"  - {{ match: '^3[0-9]+$', to: ['sip:impostor.bad.test:{PORT_TLS};transport=tls'] }}\n")
trunk_gw = Gateway(args.binary, transports=("udp", "tls"), extra_yaml=trunks).start()


def caller(gateway=None):
    return UserAgent(Connection("udp", (gateway or gw).ports["udp"]), "alice", password="alicepw")


def callee_at(address, port):
    return Callee(UserAgent(Connection("udp", UDP, local=(address, port)), "carrier"))


def finish(callee):
    """Waits for the callee's call to end, then frees its address for the next one."""
    try:
        callee.finish(gw.log()[-3000:])
    finally:
        callee.ua.c.close()


def call(number, through=None):
    started = time.time()
    final, _ = place_call(caller(through), number)
    return final, time.time() - started


def test_a_route_to_a_name_reaches_the_best_srv_target():
    callee = callee_at("127.0.0.2", PORT_A)
    final, _ = call("9001")
    check(final.status == 200, f"call to the best SRV target: {final.status}\n{gw.log()[-3000:]}")
    finish(callee)


def test_a_gone_target_is_failed_over_and_then_tried_last():
    # edge1 takes the datagrams but answers nothing (a closed port would answer ICMP port
    # unreachable, which fails over at once: test_sip_routing): after sip.failover_timeout (2 s)
    # edge2 gets the call.
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.2", PORT_A))
    callee = callee_at("127.0.0.3", PORT_B)
    try:
        final, elapsed = call("9002")
    finally:
        silent.close()
    check(final.status == 200, f"failover to the second target: {final.status}\n{gw.log()[-3000:]}")
    finish(callee)
    check(elapsed < 8, f"the failover took {elapsed:.1f} s")
    check(gw.metric("rtcgate_proxy_failover_timeouts_total") >= 1, "no failover timeout counted")
    check(gw.metric("rtcgate_dns_blacklisted_total") >= 1, "the silent target was not remembered")
    # The next call goes to edge2 first: no wait for the silent one.
    callee = callee_at("127.0.0.3", PORT_B)
    final, elapsed = call("9003")
    check(final.status == 200, f"call after the failover: {final.status}")
    finish(callee)
    check(elapsed < 1.5, f"the second call waited {elapsed:.1f} s: the silent target was tried")


def test_a_changed_address_is_followed_once_its_ttl_ran_out():
    write_hosts("127.0.0.4")
    dnsmasq.send_signal(signal.SIGHUP)  # re-reads the hosts file
    time.sleep(TTL + 1)
    callee = callee_at("127.0.0.4", PORT_A)
    final, _ = call("9004")
    check(final.status == 200, f"call to the new address: {final.status}\n{gw.log()[-3000:]}")
    finish(callee)


def test_a_name_that_does_not_exist_is_not_found():
    final, _ = call("8001")
    check(final.status == 404, f"a route to a missing name answered {final.status}")
    check("missing.carrier.test" in gw.log(), "the log does not name the missing host")
    check(gw.metric("rtcgate_proxy_unresolvable_targets_total") >= 1, "not counted")


def originate(source, destination):
    connection = http.client.HTTPConnection("127.0.0.1", gw.http_port, timeout=5)
    connection.request("POST", "/api/v1/calls", body=json.dumps({"from": source, "to": destination}),
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    body = json.loads(response.read().decode() or "null")
    connection.close()
    return response.status, body


def hang_up(call_id):
    connection = http.client.HTTPConnection("127.0.0.1", gw.http_port, timeout=5)
    connection.request("DELETE", f"/api/v1/calls/{call_id}",
                       headers={"Content-Type": "application/json"})
    status = connection.getresponse().status
    connection.close()
    return status


def test_a_call_placed_through_the_api_reaches_a_party_by_name():
    # alice answers first (the A leg), then the carrier's edge1 (found by NAPTR, SRV and A).
    write_hosts("127.0.0.6")
    dnsmasq.send_signal(signal.SIGHUP)
    time.sleep(TTL + 1)
    alice = answering(gw, "alice", "alicepw")
    carrier = callee_at("127.0.0.6", PORT_A)
    status, body = originate("alice", "9005")
    check(status in (200, 201, 202), f"originate answered {status}: {body}")
    deadline = time.time() + 10
    while time.time() < deadline and not any(c.get("state") == "confirmed" for c in gw.calls()):
        time.sleep(0.2)
    check(any(c.get("state") == "confirmed" for c in gw.calls()),
          f"the call was not answered by both: {gw.calls()}\n{gw.log()[-3000:]}")
    status = hang_up(body["id"])
    check(status == 200, f"DELETE answered {status}")
    alice.finish(gw.log()[-3000:])
    finish(carrier)


class TlsCarrier(threading.Thread):
    """A TLS SIP server at 127.0.0.5 with the certificate of edge.tls.test: records the SNI it
    is sent, and answers one call (or only sees the handshake fail)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(os.path.join(WORK, "edge.pem"), os.path.join(WORK, "edge.key"))
        self.names, self.errors = [], []
        self.context.sni_callback = lambda sock, name, context: self.names.append(name)
        self.listener = socket.create_server(("127.0.0.5", PORT_TLS))
        self.listener.settimeout(8)
        self.start()

    def run(self):
        try:
            raw, _ = self.listener.accept()
            sock = self.context.wrap_socket(raw, server_side=True)
            callee = UserAgent(Connection.accepted("tls", sock), "carrier")
            answer_incoming_call(callee)
            expect_bye(callee)
        except Exception as e:  # noqa: BLE001 - reported by finish()
            self.errors.append(e)
        finally:
            self.listener.close()

    def finish(self):
        self.join(15)
        return self.errors


def test_a_tls_target_by_name_gets_its_name_as_sni_and_is_verified_against_it():
    carrier = TlsCarrier()
    final, _ = call("7001")
    errors = carrier.finish()
    check(final.status == 200, f"call over TLS: {final.status} {errors}\n{gw.log()[-3000:]}")
    check(not errors, f"the TLS carrier: {errors}")
    check(carrier.names == ["edge.tls.test"], f"SNI sent: {carrier.names}")


def test_a_tls_target_whose_certificate_names_another_host_is_refused():
    carrier = TlsCarrier()
    final, _ = call("6001")
    carrier.finish()
    check(carrier.names == ["impostor.bad.test"], f"SNI sent: {carrier.names}")
    check(final.status >= 500, f"a certificate for another name was accepted: {final.status}")


def test_a_trunks_tls_server_is_verified_with_verify_peer_off():
    carrier = TlsCarrier()
    final, _ = call("5001", through=trunk_gw)
    carrier.finish()
    check(carrier.names == ["impostor.bad.test"], f"SNI sent: {carrier.names}")
    check(final.status >= 500,
          f"a trunk's server with a certificate for another name was accepted: {final.status}")


def test_a_trunk_may_turn_verification_off_and_other_targets_are_not_verified():
    for number in ("4001", "3001"):
        carrier = TlsCarrier()
        final, _ = call(number, through=trunk_gw)
        errors = carrier.finish()
        check(final.status == 200,
              f"{number}: {final.status} {errors}\n{trunk_gw.log()[-3000:]}")
        check(not errors, f"the TLS carrier: {errors}")


try:
    run_tests(tests_in(dict(globals())), [gw, trunk_gw])
finally:
    dnsmasq.terminate()
    dnsmasq.wait(5)
