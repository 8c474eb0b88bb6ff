"""Two media interfaces (media.interfaces) on two networks, in a network namespace of this test's
own (`unshare -n`): a veth pair's two ends carry a "public" IPv4 network (10.10.0.0/24, the relay on
10.10.0.1) and a "carrier" IPv6 network (fd20::/64, the relay on fd20::1). Each party's media
ports are on its network's address and its SDP names that address; packets between the parties
leave the relay from the address of the receiver's network, IPv4 on one side and IPv6 on the other.
  - `rtcgate relay` driven over ng like an external proxy drives RTPEngine: an offer with
    `direction: [pub, carrier]`, its answer, RTP both ways; `from-interface`/`to-interface`; an
    unknown interface name is an error reply naming it.
  - `rtcgate run` with a route `media: { interface: carrier }`: a caller on the public network
    (default interface) calls through the route to a UAS on the carrier network.
"""
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time

if os.environ.get("RTCGATE_IFACES_NETNS") is None:
    env = dict(os.environ, RTCGATE_IFACES_NETNS="1")
    sys.exit(subprocess.run(["unshare", "-n", sys.executable] + sys.argv, env=env).returncode)


def ip(*words):
    subprocess.run(["ip", *words], check=True)


ip("link", "set", "lo", "up")
ip("link", "add", "pub0", "type", "veth", "peer", "name", "car0")
for link, v4, v6 in (("pub0", "10.10.0.1/24", None), ("car0", None, "fd20::1/64")):
    ip("link", "set", link, "up")
    if v4:
        ip("addr", "add", v4, "dev", link)
        ip("addr", "add", v4.replace(".1/", ".2/"), "dev", link)
    if v6:
        ip("-6", "addr", "add", v6, "dev", link, "nodad")
        ip("-6", "addr", "add", v6.replace("::1/", "::2/"), "dev", link, "nodad")

from siptest import (Connection, Gateway, UserAgent, check, free_port, parse_args,  # noqa: E402
                     place_call, run_tests, tests_in)

import test_relay_kamailio as kit  # noqa: E402  (ng client)

args = parse_args()
PUB, PUB_PEER = "10.10.0.1", "10.10.0.2"
CARRIER, CARRIER_PEER = "fd20::1", "fd20::2"
INTERFACES = (f"[{{ name: pub, bind: {PUB} }}, "
              f"{{ name: carrier, bind: '{CARRIER}' }}]")


def sdp_for(address, port):
    family = "IP6" if ":" in address else "IP4"
    return (f"v=0\r\no=- 1 1 IN {family} {address}\r\ns=-\r\nc=IN {family} {address}\r\n"
            f"t=0 0\r\nm=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def media_of(sdp):
    """(connection address, port) of an SDP's first m= line."""
    address = re.search(r"c=IN IP[46] (\S+)", sdp).group(1)
    port = int(re.search(r"m=audio (\d+) ", sdp).group(1))
    return address, port


class Peer:
    """A media endpoint: a UDP socket on one network's peer address."""

    def __init__(self, address):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((address, 0))
        self.sock.settimeout(2.0)
        self.address, self.port = address, self.sock.getsockname()[1]

    def sdp(self):
        return sdp_for(self.address, self.port)

    def rtp(self, seq):
        return bytes([0x80, 0x00]) + seq.to_bytes(2, "big") + bytes(8) + b"\xff" * 160

    def send(self, to, seq):
        self.sock.sendto(self.rtp(seq), to)

    def receive(self):
        """The source (address, port) of the next packet."""
        data, source = self.sock.recvfrom(2048)
        return source[0], source[1]

    def close(self):
        self.sock.close()


def exchange_media(a, a_sees, b, b_sees, what):
    """a sends to the relay address its SDP got (`a_sees`), b must get it from `b_sees`; and back.
    A few packets each way: the first of a stream may only teach the relay its peer."""
    for direction in ((a, a_sees, b, b_sees), (b, b_sees, a, a_sees)):
        sender, target, receiver, expected = direction
        source = None
        for seq in range(1, 20):
            sender.send(target, seq)
            try:
                source = receiver.receive()
                break
            except socket.timeout:
                continue
        check(source is not None, f"{what}: nothing from {target} reached {receiver.address}")
        check(source == expected,
              f"{what}: packet to {receiver.address} came from {source}, expected {expected}")


# --- rtcgate relay over ng ----------------------------------------------------------------------
NG_PORT = free_port()
RELAY_DIR = os.path.join("/tmp", f"rtcgate-ifaces-{os.getpid()}")
os.makedirs(RELAY_DIR, exist_ok=True)
with open(os.path.join(RELAY_DIR, "relay.yaml"), "w") as f:
    f.write(f"relay:\n  listen: [udp://127.0.0.1:{NG_PORT}]\n"
            f"media:\n  ports: 41000-41999\n  interfaces: {INTERFACES}\n")
relay = subprocess.Popen([os.path.abspath(args.binary), "relay", "--config", "relay.yaml"], cwd=RELAY_DIR,
                         stdout=open(os.path.join(RELAY_DIR, "relay.log"), "w"),
                         stderr=subprocess.STDOUT)


def relay_log():
    with open(os.path.join(RELAY_DIR, "relay.log")) as f:
        return f.read()[-3000:]


def wait_relay():
    for _ in range(50):
        check(relay.poll() is None, "rtcgate relay exited:\n" + relay_log())
        if (kit.ng(NG_PORT, {"command": "ping"}, timeout=0.2, tries=1) or {}).get("result"):
            return
    raise AssertionError("rtcgate relay does not answer ng ping:\n" + relay_log())


def ng_call(keys):
    """Offer from a public peer, answer from a carrier peer, with `keys` in the offer; returns
    the two peers and the relay addresses each one's SDP got."""
    call_id, caller_tag, callee_tag = (secrets.token_hex(6) for _ in range(3))
    caller, callee = Peer(PUB_PEER), Peer(CARRIER_PEER)
    offer = kit.ng(NG_PORT, {"command": "offer", "call-id": call_id, "from-tag": caller_tag,
                             "sdp": caller.sdp(), **keys})
    check(offer and offer.get("result") == "ok", f"offer: {offer}")
    answer = kit.ng(NG_PORT, {"command": "answer", "call-id": call_id, "from-tag": caller_tag,
                              "to-tag": callee_tag, "sdp": callee.sdp()})
    check(answer and answer.get("result") == "ok", f"answer: {answer}")
    return caller, media_of(answer["sdp"]), callee, media_of(offer["sdp"])


def test_ng_direction_puts_each_leg_on_its_network():
    caller, caller_sees, callee, callee_sees = ng_call({"direction": ["pub", "carrier"]})
    check(callee_sees[0] == CARRIER, f"the carrier leg's SDP names {callee_sees[0]}")
    check(caller_sees[0] == PUB, f"the public leg's SDP names {caller_sees[0]}")
    exchange_media(caller, caller_sees, callee, callee_sees, "ng direction")
    caller.close()
    callee.close()


def test_ng_from_and_to_interface_keys():
    caller, caller_sees, callee, callee_sees = ng_call(
        {"from-interface": "pub", "to-interface": "carrier"})
    check(callee_sees[0] == CARRIER and caller_sees[0] == PUB,
          f"SDP addresses {caller_sees}, {callee_sees}")
    caller.close()
    callee.close()


def test_ng_unknown_interface_is_refused_by_name():
    peer = Peer(PUB_PEER)
    reply = kit.ng(NG_PORT, {"command": "offer", "call-id": secrets.token_hex(6),
                             "from-tag": "a", "sdp": peer.sdp(), "direction": ["pub", "dmz"]})
    peer.close()
    check(reply and reply.get("result") == "error", f"reply: {reply}")
    check("dmz" in reply.get("error-reason", ""), f"error names the interface: {reply}")


# --- rtcgate run with a route on the carrier network ----------------------------------------------
UAS_PORT = free_port()
gw = Gateway(args.binary, transports=("udp",),
             media_extra=f", anchor: always, interfaces: {INTERFACES}",
             extra_yaml="routes:\n"
                        f"  - {{ match: '^9', to: ['sip:127.0.0.1:{UAS_PORT}'], "
                        "media: { interface: carrier } }\n")


class Uas:
    """The carrier: answers one INVITE at 127.0.0.1:UAS_PORT with SDP on its media peer."""

    def __init__(self, media):
        self.ua = UserAgent(Connection("udp", gw.ports["udp"], local=("127.0.0.1", UAS_PORT)),
                            "carrier")
        self.media = media
        self.offer = None
        self.errors = []
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self):
        try:
            invite = self.ua.wait_request("INVITE", 8.0)
            self.offer = invite.body
            tag = secrets.token_hex(4)
            self.ua.respond(invite, 200, "OK", body=self.media.sdp(),
                            extra=["Content-Type: application/sdp"], to_tag=tag)
            self.ua.wait_request("ACK", 8.0)
            bye = self.ua.wait_request("BYE", 15.0)
            self.ua.respond(bye, 200, "OK")
        except Exception as e:  # noqa: BLE001 - reported by finish()
            self.errors.append(e)

    def finish(self):
        self.thread.join(20)
        check(not self.thread.is_alive() and not self.errors, f"carrier UAS: {self.errors}")


def test_route_media_interface_puts_the_carrier_leg_on_its_network():
    caller_media, carrier_media = Peer(PUB_PEER), Peer(CARRIER_PEER)
    uas = Uas(carrier_media)
    ua = UserAgent(Connection("udp", gw.ports["udp"]), "alice", password="alicepw")
    final, dialog = place_call(ua, "9001", hangup=False, body=caller_media.sdp())
    check(final.status == 200, f"call through the route: {final.status}\n{gw.log()[-2000:]}")
    for _ in range(50):
        if uas.offer is not None:
            break
        time.sleep(0.1)
    carrier_sees, caller_sees = media_of(uas.offer), media_of(final.body)
    check(carrier_sees[0] == CARRIER, f"the route's leg got SDP for {carrier_sees[0]}")
    check(caller_sees[0] == PUB, f"the caller's leg got SDP for {caller_sees[0]}")
    exchange_media(caller_media, caller_sees, carrier_media, carrier_sees, "route")
    from siptest import in_dialog_request
    response = ua.transact(in_dialog_request(ua, dialog, "BYE"))
    check(response.status == 200, f"BYE answered {response.status}")
    uas.finish()
    caller_media.close()
    carrier_media.close()


try:
    wait_relay()
    gw.start()
    run_tests(tests_in(dict(globals())), [gw])
finally:
    relay.terminate()
    relay.wait(10)
