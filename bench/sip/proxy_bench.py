#!/usr/bin/env python3
"""Stateful proxy benchmark: sipp UAC -> proxy -> sipp UAS, rtcgate and Debian's kamailio in the
same run, same machine, same load. Prints CPU-seconds per 1000 calls, the ratio, and the highest
rate each sustains with zero failed calls.

  bench/sip/proxy_bench.py --binary build/rtcgate [--calls 5000] [--rates 500,1000]
                           [--allocators tlsf,qm] [--baseline OTHER_RTCGATE] [--repeat N]

Kamailio runs with each allocator named: tlsf (`-x tlsf -X tlsf`, what its users pick for
production, about a third of the CPU of the default) and qm (its default). --baseline measures a
second rtcgate build in the same rounds (an older commit: before/after a change). --repeat N runs
every proxy at every rate N times, the order rotating each round, and pools the CPU: single runs
on a shared VM vary by 10-15%.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "integration"))
from siptest import Process, free_port  # noqa: E402

KAMAILIO_CFG = """
#!KAMAILIO
debug=0
log_stderror=yes
children={children}
listen=udp:127.0.0.1:{port}
auto_aliases=no
dns=no
rev_dns=no
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "siputils.so"
request_route {{
  if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
  if (has_totag()) {{
    if (loose_route()) {{ t_relay(); exit; }}
    if (is_method("ACK")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
    sl_send_reply("404", "Not here"); exit;
  }}
  if (is_method("CANCEL")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
  t_check_trans();
  if (is_method("INVITE|SUBSCRIBE")) {{ record_route(); }}
  $du = "sip:127.0.0.1:{uas}";
  if (!t_relay()) {{ sl_reply_error(); }}
}}
"""


def cpu_seconds(pid):
    """utime + stime of a process and its threads (children of kamailio are summed separately)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def tree_cpu(pid):
    total = cpu_seconds(pid)
    for task in os.listdir("/proc"):
        if not task.isdigit():
            continue
        try:
            with open(f"/proc/{task}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            if parent == pid:
                total += cpu_seconds(int(task))
        except (OSError, ValueError):
            continue
    return total


def run_load(proxy_port, uas_port, calls, rate, workdir):
    """One sipp UAS + one sipp UAC run; returns (successful, failed)."""
    # sipp's built-in uas does not echo Record-Route; the test suite's answering scenario does.
    uas_scenario = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "integration", "scenarios", "uas_answer.xml")
    uas = subprocess.Popen(["sipp", "-sf", uas_scenario, "-i", "127.0.0.1", "-p", str(uas_port),
                            "-nostdin", "-max_socket", "100"],
                           cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    scenario = os.path.join(os.path.dirname(os.path.abspath(__file__)), "uac_rr.xml")
    out = subprocess.run(["sipp", f"127.0.0.1:{proxy_port}", "-sf", scenario, "-s", "1000", "-i",
                          "127.0.0.1", "-p", str(free_port()), "-m", str(calls), "-r", str(rate),
                          "-l", str(max(rate * 4, 100)), "-nostdin", "-timeout",
                          f"{calls // rate + 30}s", "-max_socket", "100", "-trace_stat",
                          "-stf", "stat.csv", "-fd", "1000"],
                         cwd=workdir, capture_output=True, text=True)
    uas.terminate()
    uas.wait()
    text = out.stdout + out.stderr
    ok = re.findall(r"Successful call\s+\|\s+\d+\s+\|\s+(\d+)", text)
    bad = re.findall(r"Failed call\s+\|\s+\d+\s+\|\s+(\d+)", text)
    return (int(ok[-1]) if ok else 0), (int(bad[-1]) if bad else calls)


# sipp's one source sends thousands of requests a second: the per-source limit is counted (its
# cost is measured) but never reached, nor are the caps. Builds older than these keys omit them.
SECURITY_YAML = ("security: { rate_limit: { requests_per_second: 10000000, burst: 10000000 },"
                 " max_transactions: 1000000, max_dialogs: 1000000 }\n")


def start_rtcgate(binary, workdir, port, uas_port, extra_yaml=""):
    config = os.path.join(workdir, "rtcgate.yaml")
    base = (f"node: {{ data_dir: {workdir}/data }}\nlog: {{ level: warn }}\n"
            f"sip: {{ listen: [udp://127.0.0.1:{port}], auth: false }}\n"
            f"http: {{ listen: 127.0.0.1:{free_port(both=False)} }}\n"
            f"routes: [ {{ match: '^[0-9]+$', to: [sip:127.0.0.1:{uas_port}] }} ]\n" + extra_yaml)
    with open(config, "w") as f:
        f.write(base + SECURITY_YAML)
    if subprocess.run([binary, "check", "--config", config], capture_output=True).returncode:
        with open(config, "w") as f:
            f.write(base)
    process = Process([binary, "run", "--config", config], os.path.join(workdir, "rtcgate.log"))
    time.sleep(1)
    return process, process.proc.pid


def start_kamailio(workdir, port, uas_port, allocator="qm"):
    config = os.path.join(workdir, "kamailio.cfg")
    with open(config, "w") as f:
        f.write(KAMAILIO_CFG.format(port=port, uas=uas_port, children=2))
    process = Process(["kamailio", "-f", config, "-DD", "-E", "-w", workdir, "-m", "256",
                       "-M", "16", "-x", allocator, "-X", allocator],
                      os.path.join(workdir, "kamailio.log"))
    time.sleep(2)
    return process, process.proc.pid


def measure(name, start, calls, rates):
    results = {}
    for rate in rates:
        workdir = tempfile.mkdtemp(prefix=f"bench-{name}-")
        port, uas_port = free_port(), free_port()
        process, pid = start(workdir, port, uas_port)
        before = tree_cpu(pid)
        ok, failed = run_load(port, uas_port, calls, rate, workdir)
        cpu = tree_cpu(pid) - before
        process.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        results[rate] = (ok, failed, cpu)
        print(f"{name:9s} rate {rate:5d}/s: {ok} ok, {failed} failed, {cpu:.2f} CPU-s, "
              f"{1000 * cpu / max(ok, 1):.3f} CPU-s per 1000 calls", flush=True)
    return results


def max_rate(name, start, calls, start_rate, step, limit):
    best = 0
    rate = start_rate
    while rate <= limit:
        result = measure(name, start, calls, [rate])[rate]
        if result[1] != 0 or result[0] < calls:
            break
        best = rate
        rate += step
    return best


def proxies(args):
    """(name, start function) of every proxy to measure: rtcgate, the baseline, Kamailio's."""
    binary = os.path.abspath(args.binary)
    chosen = [("rtcgate", lambda d, p, u: start_rtcgate(binary, d, p, u))]
    if args.baseline:
        baseline = os.path.abspath(args.baseline)
        chosen.append(("baseline", lambda d, p, u: start_rtcgate(baseline, d, p, u)))
    for allocator in args.allocators.split(","):
        chosen.append((f"kam-{allocator}",
                       lambda d, p, u, a=allocator: start_kamailio(d, p, u, a)))
    return chosen


def pooled_rounds(chosen, calls, rates, repeat):
    """name -> rate -> (ok, failed, cpu) summed over the rounds, the order rotating per round."""
    pooled = {name: {rate: [0, 0, 0.0] for rate in rates} for name, _ in chosen}
    for round_index in range(repeat):
        shift = round_index % len(chosen)
        for name, start in chosen[shift:] + chosen[:shift]:
            for rate, result in measure(name, start, calls, rates).items():
                for i in range(3):
                    pooled[name][rate][i] += result[i]
    return pooled


def per_thousand(result):
    return 1000 * result[2] / max(result[0], 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="build/rtcgate")
    parser.add_argument("--baseline", help="a second rtcgate binary, measured in the same rounds")
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rates", default="500,1000")
    parser.add_argument("--allocators", default="tlsf,qm", help="kamailio's, each measured")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--step-up", action="store_true", help="search the zero-failure rate")
    parser.add_argument("--anchor-only", action="store_true", help="measure kamailio alone")
    parser.add_argument("--step-from", type=int, default=1000)
    parser.add_argument("--step", type=int, default=500)
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    chosen = proxies(args)
    if args.anchor_only:
        chosen = [entry for entry in chosen if entry[0].startswith("kam-")]
    pooled = pooled_rounds(chosen, args.calls, rates, args.repeat)
    names = [name for name, _ in chosen]
    anchors = [name for name in names if name.startswith("kam-")]
    print(f"\nCPU-s per 1000 calls, pooled over {args.repeat} round(s); ratio = rtcgate / anchor")
    print("rate   " + "".join(f"{name:>12s}" for name in names)
          + "".join(f"{'/' + name:>12s}" for name in anchors))
    for rate in rates:
        row = {name: per_thousand(pooled[name][rate]) for name in names}
        ours = row.get("rtcgate", 0)
        print(f"{rate:5d}  " + "".join(f"{row[name]:12.3f}" for name in names)
              + "".join(f"{ours / row[name] if row[name] else 0:12.2f}" for name in anchors))
        if "baseline" in row and row["baseline"]:
            print(f"       rtcgate vs baseline: {100 * (ours / row['baseline'] - 1):+.1f}%")
    if args.step_up:
        for name, start in chosen:
            best = max_rate(name, start, args.calls, args.step_from, args.step, 20000)
            print(f"zero-failure rate: {name} {best}/s")


if __name__ == "__main__":
    main()
