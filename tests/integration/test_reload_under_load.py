"""Reload against the real binary, under load: a sipp UAC places 80 calls (10/s) to `pbx`, routed
to sipp UAS 1. Mid-run the config file is rewritten (the route now leads to sipp UAS 2, and the
TLS certificate is another) and the gateway gets SIGHUP: new calls reach UAS 2, a new TLS
connection sees the new certificate, and not one call fails. Then a broken file is refused by
POST /api/v1/reload (and `rtcgate ctl reload`) with its key path, and the running config keeps
routing. Everything on loopback; every process started here is stopped here."""
import hashlib
import os
import re
import signal
import socket
import ssl
import subprocess
import tempfile
import time

from siptest import (Gateway, check, free_port, parse_args, run_tests, tests_in,
                     wait_udp_bound)

args = parse_args()
HERE = os.path.dirname(os.path.abspath(__file__))
CALLS = 80
RATE = 10


def make_certificate(directory, name):
    cert, key = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".key")
    out = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                          "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                          "/CN=" + name, "-keyout", key, "-out", cert], capture_output=True)
    check(out.returncode == 0, f"openssl: {out.stderr.decode()}")
    return cert, key


def config_tail(route_port, cert, key, match="^pbx$"):
    return (f"routes:\n  - {{ match: '{match}', to: [sip:127.0.0.1:{route_port}] }}\n"
            f"tls: {{ certificate: {cert}, private_key: {key} }}\n")


def served_fingerprint(port):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw) as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def file_fingerprint(cert):
    der = ssl.PEM_cert_to_DER_cert(open(cert).read())
    return hashlib.sha256(der).hexdigest()


def invites_seen(directory):
    total = 0
    for name in os.listdir(directory):
        if name.endswith("_messages.log"):
            with open(os.path.join(directory, name), errors="replace") as f:
                total += len(re.findall(r"^INVITE sip:", f.read(), re.M))
    return total


def uas(port, directory):
    return subprocess.Popen(["sipp", "-sf", os.path.join(HERE, "scenarios", "uas_answer.xml"),
                             "-i", "127.0.0.1", "-p", str(port), "-mi",
                             "127.0.0.1", "-mp", str(free_port(both=False)), "-nostdin",
                             "-trace_msg", "-trace_err"], cwd=directory,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_routes_and_certificate_change_under_load_without_a_failed_call():
    work = tempfile.mkdtemp(prefix="rtcgate-reload-")
    cert_a, key_a = make_certificate(work, "first")
    cert_b, key_b = make_certificate(work, "second")
    port_1, port_2 = free_port(), free_port()
    gw = Gateway(args.binary, auth=False, transports=("udp", "tls"),
                 extra_yaml=config_tail(port_1, cert_a, key_a)).start()
    head = open(gw.config).read().split("routes:")[0]
    dirs = [tempfile.mkdtemp(dir=work) for _ in range(3)]
    servers = [uas(port_1, dirs[0]), uas(port_2, dirs[1])]
    uac = None
    try:
        wait_udp_bound(port_1)
        wait_udp_bound(port_2)
        check(served_fingerprint(gw.ports["tls"]) == file_fingerprint(cert_a), "first cert")
        uac = subprocess.Popen(["sipp", f"127.0.0.1:{gw.ports['udp']}", "-sf",
                                os.path.join(HERE, "scenarios", "uac_routed.xml"), "-s", "pbx",
                                "-i", "127.0.0.1", "-p", str(free_port()), "-mi", "127.0.0.1",
                                "-mp", str(free_port(both=False)), "-r", str(RATE), "-m",
                                str(CALLS), "-nostdin", "-timeout", "60s",
                                "-timeout_error", "-trace_err", "-trace_stat", "-fd", "1"],
                               cwd=dirs[2], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
        time.sleep(3)
        with open(gw.config, "w") as f:
            f.write(head + config_tail(port_2, cert_b, key_b))
        gw.process.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 5
        while "configuration reloaded" not in gw.log() and time.time() < deadline:
            time.sleep(0.1)
        check(served_fingerprint(gw.ports["tls"]) == file_fingerprint(cert_b),
              "a new TLS connection still sees the old certificate after SIGHUP")
        time.sleep(1)
        # A broken file is refused over the API and by ctl; the running routes stay.
        with open(gw.config, "w") as f:
            f.write(head + config_tail(port_1, cert_b, key_b, match="^pbx($"))
        status, body = gw.http("POST", "/api/v1/reload")
        check(status == 400 and "routes[0].match" in body, f"broken config: {status} {body}")
        ctl = subprocess.run([args.binary, "ctl", "--api", f"http://127.0.0.1:{gw.http_port}",
                              "reload"], capture_output=True, text=True, timeout=20)
        check(ctl.returncode != 0 and "routes[0].match" in ctl.stdout + ctl.stderr,
              f"ctl reload of a broken file: {ctl.returncode} {ctl.stdout} {ctl.stderr}")
        _, err = uac.communicate(timeout=60)
        check(uac.returncode == 0, f"sipp UAC: exit {uac.returncode} (failed calls?): "
                                   f"{err.decode()[-1500:]}\n{gw.log()[-2000:]}")
        before, after = invites_seen(dirs[0]), invites_seen(dirs[1])
        print(f"{CALLS} calls, none failed: {before} to the old route, {after} to the new one")
        check(before > 0 and after > 0, f"route change not seen: old {before}, new {after}")
        check(before + after >= CALLS, f"calls lost: {before} + {after} < {CALLS}")
    finally:
        for process in servers + ([uac] if uac else []):
            if process.poll() is None:
                process.kill()
                process.wait()
        status = gw.stop()
        gw.cleanup()
        check(status == 0, f"rtcgate exited {status} on SIGTERM")


run_tests(tests_in(globals()))
