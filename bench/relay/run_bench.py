#!/usr/bin/env python3
"""Relay benchmark: rtcgate relay against Debian's rtpengine-daemon (userspace) in the same run.

For each relay: N sessions are created over ng by tests/tools/rtpgen, which then sends RTP at a
series of fixed aggregate packet rates (sendmmsg) and counts what comes out (recvmmsg). Reported:
CPU-seconds of the relay process per million packets relayed (from /proc/PID/stat, all threads),
the ratio rtcgate/rtpengine, and the first rate at which loss passes 0.1%. Both relays run side by
side, each on half of the port range, and take turns at each rate; --repeat N does all rates N
times (the order of the relays alternating) and pools the CPU, since single runs on a shared VM
vary by 15-20%. Memory: RSS growth of
the relay with 10,000 plain-RTP sessions held open, per session.

--both-ways: the answering end sends RTP too, as in a call (the rate is both directions together),
so each relay port has a peer that both sends to it and receives from it.

--webrtc: the same for DTLS-SRTP <-> RTP bridged sessions, driven by tests/tools/dtlspeer (a
browser end that does ICE, DTLS and SRTP, and a plain RTP/AVP phone end, both sending; the rate is
packets into the relay, both directions together; the relay's CPU is read only between the end of
set-up and the end of traffic, so handshakes are not counted). Memory: RSS growth per bridged
session with 2,000 sessions held, read after the relays' post-handshake DTLS linger.

usage: run_bench.py --binary build/rtcgate --build-dir build [--webrtc | --both-ways]
                    [--sessions 100]
                    [--rates 5000,10000,20000,40000,80000] [--duration 3] [--memory-sessions 10000]
                    [--memory-processes 1] [--memory-only] [--repeat 1]
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import signal
import socket
import subprocess
import sys
import tempfile
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime, all threads


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def ping(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.3)
        sock.sendto(b"bench_1 d7:command4:pinge", ("127.0.0.1", port))
        try:
            return b"pong" in sock.recvfrom(4096)[0]
        except socket.timeout:
            return False


def raise_fd_limit():
    # 10,000 sessions hold 40,000 sockets; take as many descriptors as the hard limit allows.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (200000, 200000))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Relay:
    """One relay process (rtcgate or rtpengine) on loopback with its own ng port and port range."""

    def __init__(self, kind, binary, workdir, port_min, port_max):
        self.kind = kind
        self.ng_port = free_udp_port()
        log = open(os.path.join(workdir, "%s-%d.log" % (kind, port_min)), "wb")
        if kind == "rtcgate":
            config = os.path.join(workdir, "relay-%d.yaml" % port_min)
            with open(config, "w") as f:
                f.write("relay:\n  listen: [udp://127.0.0.1:%d]\nmedia:\n  ports: %d-%d\n"
                        "  timeout: 600\n" % (self.ng_port, port_min, port_max))
            argv = [binary, "relay", "--config", config]
        else:
            argv = [binary, "--config-file=none", "--table=-1", "--interface=127.0.0.1",
                    "--listen-ng=127.0.0.1:%d" % self.ng_port, "--foreground", "--log-stderr",
                    "--log-level=4", "--port-min=%d" % port_min, "--port-max=%d" % port_max,
                    "--delete-delay=0", "--timeout=600"]
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, preexec_fn=raise_fd_limit,
                                     start_new_session=True)
        deadline = time.time() + 10
        while not ping(self.ng_port):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("%s did not start (see %s-%d.log)" % (kind, kind, port_min))
            time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def run_dtlspeer(relay, dtlspeer, sessions, rate, duration):
    """One dtlspeer run; the relay's CPU between "ready" and "traffic done" (its stderr lines)."""
    peer = subprocess.Popen([dtlspeer, "--ng", "127.0.0.1:%d" % relay.ng_port, "--sessions",
                             str(sessions), "--rate", str(rate), "--duration", str(duration)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=raise_fd_limit)
    line = peer.stderr.readline().decode()
    if "ready" not in line:
        peer.kill()
        raise RuntimeError("%s: dtlspeer set-up failed: %s" % (relay.kind, line.strip()))
    before = cpu_seconds(relay.proc.pid)
    line = peer.stderr.readline().decode()
    cpu = cpu_seconds(relay.proc.pid) - before
    out, err = peer.communicate(timeout=120)
    if peer.returncode != 0 or "traffic done" not in line:
        raise RuntimeError("%s: dtlspeer failed: %s %s" % (relay.kind, line, err.decode()))
    return json.loads(out.decode().strip().splitlines()[-1]), cpu


def run_one(relay, generator, args, rate):
    """One load run at `rate`: the generator's result plus the relay's CPU-seconds during it."""
    if args.webrtc:
        result, cpu = run_dtlspeer(relay, generator, args.sessions, rate, args.duration)
    else:
        before = cpu_seconds(relay.proc.pid)
        out = subprocess.run([generator, "--ng", "127.0.0.1:%d" % relay.ng_port, "--sessions",
                              str(args.sessions), "--rate", str(rate), "--duration",
                              str(args.duration), "--both-ways", "1" if args.both_ways else "0"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True,
                             timeout=args.duration + 120, preexec_fn=raise_fd_limit)
        cpu = cpu_seconds(relay.proc.pid) - before
        result = json.loads(out.stdout.decode().strip().splitlines()[-1])
    result["cpu_s"] = cpu
    result["cpu_s_per_mpkt"] = cpu / max(result["received"], 1) * 1e6
    print("  %-9s rate %7d pps: sent %8d received %8d loss %.4f%%  cpu %.2fs  %.2f cpu-s/Mpkt"
          % (relay.kind, rate, result["sent"], result["received"], result["loss"] * 100, cpu,
             result["cpu_s_per_mpkt"])
          + ("  %s, set-up %.1fs, srtp failures %d" % (result["profile"], result["setup_s"],
                                                      result["srtp_failures"])
             if args.webrtc else ""), flush=True)
    return result


def run_rates(relays, generator, args, rates):
    """Every rate on every relay, --repeat times. The relays run side by side (each on half of the
    port range) and take turns at each rate, the order alternating between rounds, so a drift of
    the machine's speed reaches both alike. Returns {kind: [[result per rate] per round]}."""
    runs = {relay.kind: [] for relay in relays}
    for round_ in range(args.repeat):
        if args.repeat > 1:
            print("round %d of %d" % (round_ + 1, args.repeat), flush=True)
        for relay in relays:
            runs[relay.kind].append([])
        gave_up = set()
        for rate in rates:
            for relay in (relays if round_ % 2 == 0 else relays[::-1]):
                if relay.kind in gave_up:
                    continue
                result = run_one(relay, generator, args, rate)
                runs[relay.kind][-1].append(result)
                if result["loss"] > 0.01:
                    gave_up.add(relay.kind)  # far past the knee; higher rates only burn CPU
    return runs


def per_mpkt(results):
    return sum(r["cpu_s"] for r in results) / max(sum(r["received"] for r in results), 1) * 1e6


def clean_rates(round_results):
    """The rates a relay carried without loss (> 0.1%) in one round: there it kept up, so its CPU
    is the real cost of those packets."""
    return {r["rate"]: r for r in round_results if r["loss"] <= 0.001}


def compare(runs, target):
    """rtcgate's CPU per packet over rtpengine's, at the rates both carried without loss in every
    round (neither is judged at a load the other did not face: CPU per packet falls with load).
    Pooled over all rounds, and per round to show the spread."""
    ours = [clean_rates(r) for r in runs["rtcgate"]]
    theirs = [clean_rates(r) for r in runs["rtpengine"]]
    common = sorted(set.intersection(*[set(c) for c in ours + theirs]))
    if not common:
        return {}
    a = per_mpkt([c[rate] for c in ours for rate in common])
    b = per_mpkt([c[rate] for c in theirs for rate in common])
    rounds = [per_mpkt([o[rate] for rate in common]) / per_mpkt([t[rate] for rate in common])
              for o, t in zip(ours, theirs)]
    print("  at the rates both carried without loss %s: rtcgate %.2f, rtpengine %.2f cpu-s/Mpkt, "
          "ratio %.2f (target <= %s)" % (common, a, b, a / b, target))
    if len(rounds) > 1:
        print("    per round: %s; median %.2f" % (", ".join("%.2f" % r for r in rounds),
                                                  statistics.median(rounds)))
    for rate in common:
        print("    %7d pps: ratio %.2f" % (rate, per_mpkt([c[rate] for c in ours]) /
                                           per_mpkt([c[rate] for c in theirs])))
    return {"common_rates": common, "ratio_cpu_rtcgate_over_rtpengine": a / b,
            "ratio_per_round": rounds}


def measure_memory(relays, generator, sessions, webrtc=False):
    """RSS growth per session with `sessions` held, spread evenly over `relays` (processes): more
    sessions than one process's descriptor limit allows can be measured on several."""
    base = [rss_kib(relay.proc.pid) for relay in relays]
    # A bridged session's DTLS state is freed a while after its handshake (rtcgate: 8 s, and the
    # freed heap handed back to the OS within the next second), so the WebRTC sessions are held
    # past that before RSS is read.
    settle = 11 if webrtc else 1
    shares = [sessions // len(relays) + (1 if k < sessions % len(relays) else 0)
              for k in range(len(relays))]
    generators = []
    try:
        for relay, share in zip(relays, shares):
            gen = subprocess.Popen([generator, "--ng", "127.0.0.1:%d" % relay.ng_port,
                                    "--sessions", str(share), "--rate", "0", "--duration", "0",
                                    "--hold", str(settle + 2 + 5 * len(relays))],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   preexec_fn=raise_fd_limit)
            generators.append(gen)
            line = gen.stderr.readline().decode()  # "<tool>: N sessions ready" (or a failure)
            if "ready" not in line:
                raise RuntimeError("%s: could not create %d sessions: %s"
                                   % (relay.kind, share, line))
        time.sleep(settle)
        held = [rss_kib(relay.proc.pid) for relay in relays]
        for gen in generators:
            gen.communicate(timeout=600)
    finally:
        for gen in generators:
            if gen.poll() is None:
                gen.kill()
                gen.wait()
    return {"sessions": sessions, "processes": len(relays), "rss_before_kib": sum(base),
            "rss_held_kib": sum(held),
            "bytes_per_session": (sum(held) - sum(base)) * 1024 / sessions}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True, help="rtcgate binary")
    parser.add_argument("--build-dir", required=True, help="build dir holding rtpgen")
    parser.add_argument("--rtpengine", default=shutil.which("rtpengine") or "")
    parser.add_argument("--webrtc", action="store_true",
                        help="DTLS-SRTP <-> RTP bridged sessions (tests/tools/dtlspeer)")
    parser.add_argument("--both-ways", action="store_true",
                        help="plain RTP in both directions of every session, as in a call (the "
                             "rate is both directions together); default one way")
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--rates", default=None,
                        help="default 5000,...,160000 (plain), 10000,...,160000 (--webrtc)")
    parser.add_argument("--duration", type=float, default=3)
    parser.add_argument("--memory-sessions", type=int, default=None,
                        help="default 10000 (plain), 2000 (--webrtc)")
    parser.add_argument("--memory-processes", type=int, default=1,
                        help="spread the memory sessions over this many relay processes of each "
                             "kind (a plain session holds 4 sockets: 10,000 need 40,000 "
                             "descriptors, more than one process may open on some machines)")
    parser.add_argument("--memory-only", action="store_true",
                        help="skip the packet rates, measure memory per session only")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of all rates on both relays; CPU is pooled over them and "
                             "the ratio of each round shown (runs on a shared VM vary by 15-20%%)")
    args = parser.parse_args()
    if args.rates is None:
        args.rates = ("10000,20000,40000,80000,160000" if args.webrtc
                      else "5000,10000,20000,40000,80000,160000")
    if args.memory_sessions is None:
        args.memory_sessions = 2000 if args.webrtc else 10000
    generator = os.path.join(os.path.abspath(args.build_dir),
                             "dtlspeer" if args.webrtc else "rtpgen")
    rates = [int(r) for r in args.rates.split(",")]
    workdir = tempfile.mkdtemp(prefix="rtcgate-relay-bench-")
    report = {}
    targets = [("rtcgate", os.path.abspath(args.binary))]
    if args.rtpengine:
        targets.append(("rtpengine", args.rtpengine))
    print("%s: %d %s sessions, rates %s pps, %.0fs each"
          % (" and ".join(kind for kind, _ in targets), args.sessions,
             "DTLS-SRTP <-> RTP" if args.webrtc else "RTP both ways" if args.both_ways
             else "RTP one way", rates, args.duration), flush=True)
    runs = {}
    if not args.memory_only:
        span = (64999 - 20000 + 1) // len(targets)
        relays = []
        try:
            for k, (kind, binary) in enumerate(targets):
                relays.append(Relay(kind, binary, workdir, 20000 + k * span,
                                    20000 + (k + 1) * span - 1))
            runs = run_rates(relays, generator, args, rates)
        finally:
            for relay in relays:
                relay.stop()
    for kind, binary in targets:
        # Each process gets its own slice of the port range.
        span = (64999 - 20000 + 1) // args.memory_processes
        relays = []
        try:
            for k in range(args.memory_processes):
                low = 20000 + k * span
                relays.append(Relay(kind, binary, workdir, low, low + span - 1))
            memory = measure_memory(relays, generator, args.memory_sessions, args.webrtc)
        except RuntimeError as error:
            memory = {"error": str(error)}
        finally:
            for relay in relays:
                relay.stop()
        rounds = runs.get(kind, [])
        clean = [r for round_ in rounds for r in clean_rates(round_).values()]
        knee = min((r["rate"] for round_ in rounds for r in round_ if r["loss"] > 0.001),
                   default=None)
        report[kind] = {"runs": rounds, "memory": memory, "loss_over_0.1pct_at_pps": knee,
                        "cpu_s_per_mpkt": per_mpkt(clean) if clean else None}
        print("  %s memory: %s" % (kind, memory), flush=True)
    print("\nSUMMARY")
    for kind, data in report.items():
        print("  %-9s cpu-s per million packets: %s; loss > 0.1%% first at: %s pps; "
              "bytes/session (%d sessions): %s"
              % (kind, "%.2f" % data["cpu_s_per_mpkt"] if data["cpu_s_per_mpkt"] else "n/a",
                 data["loss_over_0.1pct_at_pps"] or "> max tested",
                 args.memory_sessions,
                 "%.0f" % data["memory"]["bytes_per_session"] if "bytes_per_session" in
                 data["memory"] else data["memory"].get("error")))
    if "rtpengine" in runs:
        report.update(compare(runs, "0.7" if args.webrtc else "0.5"))
    with open(os.path.join(workdir, "report.json"), "w") as f:
        json.dump(report, f, indent=2)
    print("  full report: %s" % os.path.join(workdir, "report.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
