#!/usr/bin/env python3
"""Calls through a trunk whose carrier challenges every INVITE: rtcgate's `trunks:` entry against
Kamailio's `uac_auth()`, same run, same machine, same load. Prints CPU-seconds per 1000 calls of
the proxy under test (the carrier's CPU is not counted) and the ratio.

  bench/sip/trunk_bench.py --binary build/rtcgate [--calls 5000] [--rates 500,1000]
                           [--allocators tlsf] [--repeat N] [--keep] [--perf PREFIX]

  sipp UAC -> proxy under test -> carrier (Kamailio: 407 to every INVITE, then checks the answer
  with pv_proxy_authenticate and relays it) -> sipp UAS; 200, ACK and BYE along the Record-Route
  set of both proxies.

The proxy under test sees per call: INVITE, the carrier's 407 (ACKed hop by hop), the INVITE again
with Proxy-Authorization, 100/180/200, ACK, BYE and its 200. The trunk's address is a literal IP:
no DNS lookup is made by either proxy (rtcgate would cache it; Kamailio runs with dns=no).
rtcgate: `sip.auth: false`, one route to the trunk (no registration, no OPTIONS probing, no
caller-id rewriting). Kamailio: tm, rr, maxfwd, uac with the credential as a modparam,
`failure_route { uac_auth(); t_relay(); }`, `-x ALLOC -X ALLOC` like proxy_bench.py's anchor.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proxy_bench import (SECURITY_YAML, Process, free_port, per_thousand,  # noqa: E402
                         run_load, tree_cpu)
# proxy_bench puts tests/integration on the path: the carrier is the trunk tests' own.
from kamailio_carrier import REALM, kamailio_carrier_cfg, kamailio_script  # noqa: E402

PASSWORD = "bench-trunk-pw"


def carrier_cfg(port, uas_port):
    """The carrier: challenges every new INVITE, relays the authenticated one to the sipp UAS; no
    log line per call (debug=0), no PSTN caller."""
    return kamailio_carrier_cfg(f"127.0.0.1:{port}", PASSWORD, None, f"127.0.0.1:{uas_port}",
                                children=4, debug=0)


def anchor_cfg(port, carrier_port):
    """The anchor: proxy_bench.py's proxy, its target the carrier, the challenge answered."""
    return kamailio_script(f"127.0.0.1:{port}", f"""loadmodule "uac.so"
modparam("uac", "credential", "acme:{REALM}:{PASSWORD}")
modparam("uac", "restore_mode", "none")""", f"""\
  t_check_trans();
  if (is_method("INVITE|SUBSCRIBE")) {{ record_route(); }}
  $ru = "sip:" + $rU + "@127.0.0.1:{carrier_port}";
  t_on_failure("TRUNK_AUTH");
  if (!t_relay()) {{ sl_reply_error(); }}
}}
failure_route[TRUNK_AUTH] {{
  if (t_is_canceled()) {{ exit; }}
  if (t_check_status("401|407")) {{
    if (uac_auth()) {{ t_relay(); }}
    exit;
  }}
}}
""", children=2, debug=0)


TRUNK_YAML = f"""trunks:
  - name: carrier
    address: sip:127.0.0.1:{{carrier}}
    username: acme
    password: {PASSWORD}
"""


def kamailio(workdir, name, config, allocator):
    path = os.path.join(workdir, f"{name}.cfg")
    with open(path, "w") as f:
        f.write(config)
    return Process(["kamailio", "-f", path, "-DD", "-E", "-w", workdir, "-m", "256", "-M", "16",
                    "-x", allocator, "-X", allocator], os.path.join(workdir, f"{name}.log"))


class Processes:
    """The proxy under test and its carrier, stopped together by measure()."""

    def __init__(self, *processes):
        self.processes = processes

    def stop(self):
        for process in self.processes:
            process.stop()


def start_carrier(workdir, uas_port):
    port = free_port()
    carrier = kamailio(workdir, "carrier", carrier_cfg(port, uas_port), "tlsf")
    return carrier, port


def start_rtcgate(binary, workdir, port, uas_port):
    carrier, carrier_port = start_carrier(workdir, uas_port)
    config = os.path.join(workdir, "rtcgate.yaml")
    with open(config, "w") as f:
        f.write(f"node: {{ data_dir: {workdir}/data }}\nlog: {{ level: warn }}\n"
                f"sip: {{ listen: [udp://127.0.0.1:{port}], auth: false }}\n"
                f"http: {{ listen: 127.0.0.1:{free_port(both=False)} }}\n"
                + TRUNK_YAML.format(carrier=carrier_port)
                + "routes: [ { match: '^[0-9]+$', trunk: carrier } ]\n" + SECURITY_YAML)
    check = subprocess.run([binary, "check", "--config", config], capture_output=True, text=True)
    if check.returncode:
        carrier.stop()
        sys.exit(f"rtcgate check failed: {check.stdout}{check.stderr}")
    process = Process([binary, "run", "--config", config], os.path.join(workdir, "rtcgate.log"))
    time.sleep(2)
    return Processes(process, carrier), process.proc.pid


def start_anchor(workdir, port, uas_port, allocator):
    carrier, carrier_port = start_carrier(workdir, uas_port)
    process = kamailio(workdir, "anchor", anchor_cfg(port, carrier_port), allocator)
    time.sleep(2)
    return Processes(process, carrier), process.proc.pid


def measure(name, start, calls, rate, keep, perf=None):
    workdir = tempfile.mkdtemp(prefix=f"trunk-bench-{name}-")
    port, uas_port = free_port(), free_port()
    processes, pid = start(workdir, port, uas_port)
    recorder = None
    if perf and name == "rtcgate":
        # Sampling costs the profiled process a little CPU: profile runs are not for the table.
        recorder = subprocess.Popen(["perf", "record", "-g", "-q", "-o", f"{perf}-{rate}.data",
                                     "-p", str(pid)])
    before = tree_cpu(pid)
    ok, failed = run_load(port, uas_port, calls, rate, workdir)
    cpu = tree_cpu(pid) - before
    if recorder:
        recorder.send_signal(signal.SIGINT)
        recorder.wait()
    processes.stop()
    if keep:
        print(f"  kept {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{name:9s} rate {rate:5d}/s: {ok} ok, {failed} failed, {cpu:.2f} CPU-s, "
          f"{1000 * cpu / max(ok, 1):.3f} CPU-s per 1000 calls", flush=True)
    return ok, failed, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="build/rtcgate")
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rates", default="500,1000")
    parser.add_argument("--allocators", default="tlsf", help="the anchor kamailio's, each measured")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep each run's logs and configs")
    parser.add_argument("--perf", metavar="PREFIX",
                        help="perf record rtcgate's runs into PREFIX-RATE.data (profiling only)")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    binary = os.path.abspath(args.binary)
    chosen = [("rtcgate", lambda d, p, u: start_rtcgate(binary, d, p, u))]
    for allocator in args.allocators.split(","):
        chosen.append((f"kam-{allocator}", lambda d, p, u, a=allocator: start_anchor(d, p, u, a)))
    pooled = {name: {rate: [0, 0, 0.0] for rate in rates} for name, _ in chosen}
    for round_index in range(args.repeat):
        shift = round_index % len(chosen)
        for name, start in chosen[shift:] + chosen[:shift]:
            for rate in rates:
                result = measure(name, start, args.calls, rate, args.keep, args.perf)
                for i in range(3):
                    pooled[name][rate][i] += result[i]
    names = [name for name, _ in chosen]
    anchors = names[1:]
    print(f"\nCPU-s per 1000 calls through the trunk, pooled over {args.repeat} round(s); "
          "ratio = rtcgate / anchor")
    print("rate   " + "".join(f"{name:>12s}" for name in names)
          + "".join(f"{'/' + name:>12s}" for name in anchors) + "   failed")
    for rate in rates:
        row = {name: per_thousand(pooled[name][rate]) for name in names}
        failed = " / ".join(str(pooled[name][rate][1]) for name in names)
        print(f"{rate:5d}  " + "".join(f"{row[name]:12.3f}" for name in names)
              + "".join(f"{row['rtcgate'] / row[name] if row[name] else 0:12.2f}"
                        for name in anchors) + f"   {failed}")


if __name__ == "__main__":
    main()
