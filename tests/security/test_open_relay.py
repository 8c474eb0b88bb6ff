"""Never an open relay (docs/security.md): no request or response from a stranger makes rtcgate
send anything to an address that is not a registered contact of the called local user, a target
of a configured route, or the next hop of a dialog rtcgate record-routed; authenticated users
reach only local users and routes (sip.allow_direct_uri is off); flow tokens route, they never
authenticate. The attacker's targets are sinks on 127.0.0.2 and 127.0.0.3 that record whatever
arrives; the one configured route leads to a sink on 127.0.0.4. The probes are in relay_probes,
shared with test_open_relay_kamailio, which runs them against Kamailio."""
import relay_probes as probes
from siptest import Gateway, parse_args, run_tests

args = parse_args()
gw = Gateway(args.binary, users=probes.USERS, transports=("udp", "tcp", "ws"),
             extra_yaml=f"routes:\n  - {{ match: '{probes.ROUTE_PATTERN}', "
                        f"to: [sip:{probes.trunk.uri_host}] }}\n").start()
# The WebSocket listener's port number is free for UDP: a datagram can come from it.
rtcgate = probes.Proxy(gw.ports, spare_port=gw.ports["ws"])
try:
    run_tests(probes.aimed_at(rtcgate), [gw])
finally:
    probes.close_sinks()
