"""Targets by name (RFC 3263) against a real name server. dnsmasq serves NAPTR, SRV and A
records in a network and mount namespace of this test's own (`unshare -n -m`, only `lo`; a
resolv.conf naming it is bind-mounted over /etc/resolv.conf there, so rtcgate reads it as it
would in production). A route to `sip:carrier.test` reaches the best SRV target; with that target
gone the call fails over to the next within sip.failover_timeout, and the next call goes there
first; a changed address is followed once its TTL ran out; a name that does not exist is 404."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

if os.environ.get("RTCGATE_DNS_NETNS") is None:
    env = dict(os.environ, RTCGATE_DNS_NETNS="1")
    sys.exit(subprocess.run(["unshare", "-n", "-m", "--propagation", "private", sys.executable]
                            + sys.argv, env=env).returncode)
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

from siptest import (Callee, Connection, Gateway, UserAgent, check, free_port,  # noqa: E402
                     parse_args, place_call, run_tests, tests_in)

args = parse_args()
WORK = tempfile.mkdtemp(prefix="rtcgate-dns-")
PORT_A, PORT_B = free_port(), free_port()
TTL = 2
HOSTS = os.path.join(WORK, "hosts")


def write_hosts(edge1):
    with open(HOSTS, "w") as f:
        f.write(f"{edge1} edge1.carrier.test\n127.0.0.3 edge2.carrier.test\n")


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
         "--log-queries", "--log-facility=-"], stdout=log, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    check(process.poll() is None, "dnsmasq did not start: " + open(log.name).read())
    return process


dnsmasq = start_dnsmasq()
routes = ("sip:\n  failover_timeout: 2\n"
          "routes:\n"
          "  - { match: '^9[0-9]+$', to: [sip:carrier.test] }\n"
          "  - { match: '^8[0-9]+$', to: [sip:missing.carrier.test] }\n")
gw = Gateway(args.binary, transports=("udp",), extra_yaml=routes).start()
UDP = gw.ports["udp"]


def caller():
    return UserAgent(Connection("udp", UDP), "alice", password="alicepw")


def callee_at(address, port):
    return Callee(UserAgent(Connection("udp", UDP, local=(address, port)), "carrier"))


def finish(callee):
    """Waits for the callee's call to end, then frees its address for the next one."""
    try:
        callee.finish(gw.log()[-3000:])
    finally:
        callee.ua.c.close()


def call(number):
    started = time.time()
    final, _ = place_call(caller(), number)
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


try:
    run_tests(tests_in(dict(globals())), [gw])
finally:
    dnsmasq.terminate()
    dnsmasq.wait(5)
