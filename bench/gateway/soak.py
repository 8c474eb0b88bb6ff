#!/usr/bin/env python3
"""Soak: `rtcgate run` for N minutes under a mixed load, then pass or fail (not part of make test).

One gateway (digest auth on, UDP and WS listeners, embedded relay) carries, all at once:
  1. plain calls: a sipp UAC over UDP authenticates (407) as a subscriber and calls through a
     static route with Record-Route to a sipp UAS over UDP (bench/gateway/soak_uac.xml,
     soak_uas.xml); holds uniformly distributed over --hold-min..--hold-max (0-20 s, mean 10 s),
     BYE along the route set. Rate: half the maximum rate, measured first in the same run by a
     ramp (--ramp-rates, --ramp-seconds each, everything below running meanwhile): the maximum is
     the highest step with zero failed calls whose UAC kept its rate; --rate skips the ramp. The
     soak's calls start --soak-warm-up s (60) before its clock, so that minute 5 finds them and
     the transaction tables at their steady state.
  2. media calls: as bench/gateway/concurrent_calls.py does, a sipp UAC (RTP/AVP offer naming the
     peer's plain socket) through a route with `media: { srtp: dtls }` to tests/tools/webrtcuas
     (ICE, DTLS-SRTP, SRTP and RTP both ways for --media-talk s); --media-rate calls/s, holds
     --media-hold-min..max (12-30 s): tens of media calls at once through the relay.
  3. registrations: --reg-users UDP users (siptest.UserAgent, a socket each) register with digest
     auth and Expires --reg-expires (60 s), refreshing at 3/4 of it, retransmitting as phones do.
  4. WebSocket clients: --ws-rate a second connect (siptest.Connection("ws")), REGISTER with
     digest auth, stay --ws-stay-min..max s, every other one unregisters, and close.
Caps: security.rate_limit is off (every load comes from 127.0.0.1); security.max_dialogs and
max_transactions (20000 each by default) are raised when the highest rate tried needs more
(a proxied transaction lives ~32 s after its final response over UDP, Timer J / RFC 6026); the
script prints what it set.

Every --sample-seconds (10 s), one row of soak-<date>.csv: seconds since the gateway started and
the phase; the gateway's VmRSS and CPU; /metrics (calls live, started, answered; registered
contacts; WebSocket connections; live server transactions; relay sessions; 503s for the caps;
retransmissions and timeouts); the sipp and webrtcuas counters; the registration and WebSocket
clients' counts; UDP receive-buffer drops (the namespace's, the gateway's SIP socket's); the
longest answer to an OPTIONS sent every 0.2 s; the CPU of this run's processes and of the whole
machine (other work on a shared machine shows there). At the end soak-<date>.png (RSS;
active calls and call rate; registrations, WebSocket clients, failed calls), drawn with gnuplot
(Debian's gnuplot-nox: apt-get install -y gnuplot-nox, or make test-deps).

Pass: zero failed calls in both streams (sipp UAC and UAS, webrtcuas) and zero failed
registrations (UDP and WebSocket), counted from the soak's warm-up to the end of its drain (the
ramp's failing step does not count), and the RSS at the end of the soak within 5% of the RSS at
minute 5 (at 1/6 of the soak when it is shorter than 10 minutes). Prints a summary table; exits 1
on fail.

Runs in a private network namespace (unshare -n) with loopback only; every process started here
is stopped here, by PID. Needs sipp (sip-tester), gnuplot, and rtcgate and webrtcuas built:
  cmake -S . -B build -G Ninja && ninja -C build rtcgate webrtcuas
--low-priority puts every process at the lowest CPU share (autogroup nice 19): a check run on a
machine doing other work, not a measurement.

usage: bench/gateway/soak.py [--binary build/rtcgate] [--peer build/webrtcuas] [--minutes 30]
                             [--rate CPS | --ramp-rates 25,50,100,... --ramp-seconds 20]
                             [--media-rate 2] [--reg-users 300] [--ws-rate 2] [--out-dir .]
                             [--low-priority] [--keep]
"""
import argparse
import heapq
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import types
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "bench", "relay"))
import run_bench  # noqa: E402  (rss_kib, cpu_seconds, raise_fd_limit)
import siptest  # noqa: E402  (Gateway, Connection, UserAgent, free_port, wait_udp_bound)
import test_browser_relay as e2e  # noqa: E402  (enter_namespace)
import test_relay_kamailio as kit  # noqa: E402  (free_udp_port, Processes)

SCENARIO = os.path.join(HERE, "soak_uac.xml")
UAS_SCENARIO = os.path.join(HERE, "soak_uas.xml")
CALLER, CALLER_PASSWORD = "soakcaller", "soakcallerpw"
# A proxied request's entry lives until its server transaction ends: ~32 s after the final
# response over UDP (Timer J; RFC 6026's Accepted state for a 2xx to INVITE). Two per call.
TRANSACTION_SECONDS = 34
DEFAULT_CAP = 20000
RSS_TOLERANCE = 0.05
CSV_COLUMNS = [
    "seconds", "phase", "rss_kib", "calls_total", "calls_failed", "active_calls",
    "registrations", "ws_clients", "plain_rate", "plain_ok", "plain_failed", "plain_active",
    "media_ok", "media_failed", "media_active", "peer_failures", "reg_ok", "reg_failed", "ws_ok",
    "ws_failed", "gw_cpu_percent", "gw_calls_started", "gw_calls_answered",
    "transactions_live", "relay_sessions", "overload_refused", "gw_retransmissions",
    "gw_transaction_timeouts", "udp_rcvbuf_errors", "gw_sip_udp_drops", "gw_probe_max_ms",
    "gw_probe_lost", "gw_loop_stalls", "gw_longest_stall_ms", "bench_cpu_percent",
    "machine_cpu_percent"]


# ------------------------------------------------------------------------------ processes

def low_priority_preexec():
    """In the child, after setsid: the fd limit up, and (--low-priority) its new session's
    autogroup at the lowest CPU share, so that the bench yields to other work on the machine."""
    run_bench.raise_fd_limit()
    if os.environ.get("RTCGATE_SOAK_LOW_PRIORITY") == "1":
        set_autogroup_nice("self")


def set_autogroup_nice(pid):
    try:
        with open("/proc/%s/autogroup" % pid, "w") as f:
            f.write("19")
    except OSError:
        pass


def spawn(processes, name, argv, cwd, stdout=subprocess.DEVNULL):
    """A process of our own in its own session (stopped by kit.Processes.stop_all by its PID's
    group); stderr to <workdir>/<name>.log. sipp's screen goes nowhere: it repaints it forever."""
    log = open(os.path.join(processes.workdir, name + ".log"), "wb")
    proc = subprocess.Popen(argv, stdout=stdout, stderr=log, stdin=subprocess.DEVNULL, cwd=cwd,
                            start_new_session=True, preexec_fn=low_priority_preexec)
    processes.started.append((name, proc))
    return proc


def stop(proc, sig=signal.SIGTERM, timeout=10):
    """Stops one process we started, by its PID (its own session's group: sipp forks nothing)."""
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode


# ------------------------------------------------------------------------------ sipp

def read_sipp_stats(path):
    """The last line of a sipp -trace_stat file as a dict ({} before the first line)."""
    try:
        with open(path, "rb") as f:
            header = f.readline().decode(errors="replace").strip().split(";")
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 16384))
            lines = [l for l in f.read().decode(errors="replace").splitlines() if l.strip()]
    except OSError:
        return {}
    # The newest complete line (sipp may be writing the last one).
    complete = [l.split(";") for l in lines[1:] if len(l.split(";")) >= len(header) - 1]
    if not complete or complete[-1][0] == header[0]:
        return {}
    values = complete[-1]
    stats = {}
    for key, value in zip(header, values):
        try:
            stats[key] = int(value)
        except ValueError:
            stats[key] = value
    return stats


class SippRun:
    """One sipp process with its statistics file (-trace_stat, a line a second)."""

    def __init__(self, processes, name, argv, workdir):
        self.name = name
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.stat_path = os.path.join(self.dir, "stat.csv")
        self.proc = spawn(processes, name, argv + ["-trace_stat", "-stf", self.stat_path,
                                                   "-fd", "1", "-trace_err"], self.dir)
        self.started = time.time()
        self.final = None

    def stats(self):
        if self.final is not None:
            return self.final
        return read_sipp_stats(self.stat_path)

    def counts(self):
        s = self.stats()
        return {"ok": s.get("SuccessfulCall(C)", 0), "failed": s.get("FailedCall(C)", 0),
                "created": s.get("TotalCallCreated", 0), "active": s.get("CurrentCall", 0)}

    def finish(self, timeout=10):
        """Waits for sipp to exit (stopping it after `timeout`) and keeps its last statistics."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(self.proc)
        time.sleep(0.1)
        self.final = read_sipp_stats(self.stat_path)
        return self.proc.returncode


# sipp's sockets take 64 KiB by default: a fraction of a second of a busy run if sipp is
# scheduled late. Reading up to 10000 messages per loop keeps it from falling behind.
SIPP_OPTIONS = ["-buff_size", "4194304", "-max_recv_loops", "10000", "-max_sched_loops", "10000"]
UAS_TIMEWAIT_S = 32  # soak_uas.xml's timewait


def sipp_media_port():
    """An even base for sipp's -mp, below the ephemeral ports (and the gateway's media range,
    20000-39999 in siptest.Gateway) that everything else here binds: sipp binds the base and
    base+2 (audio and video RTP) even when the scenario carries no media."""
    while True:
        base = random.randrange(10000, 19990, 2)
        try:
            for port in range(base, base + 4):
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                    sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue


def uac_argv(sip_port, service, rate, calls, hold_max_s, scenario, extra=()):
    """The soak UAC calling [service]@localhost through the gateway as the soak's subscriber."""
    return ["sipp", "127.0.0.1:%d" % sip_port, "-sf", scenario, "-s", service, "-key", "caller",
            CALLER, "-au", CALLER, "-ap", CALLER_PASSWORD, "-auth_uri", service + "@localhost",
            "-i", "127.0.0.1", "-p", str(kit.free_udp_port()), "-t", "u1", "-r", str(rate),
            "-m", str(calls), "-l", str(int(rate * (hold_max_s + 40)) + 100), "-nostdin",
            "-recv_timeout", "32000", *SIPP_OPTIONS, *extra]


def write_scenario(workdir, name, hold_min_s, hold_max_s):
    """soak_uac.xml with the hold's bounds put in."""
    with open(SCENARIO) as f:
        text = f.read()
    text, count = re.subn(r'<pause distribution="uniform" min="\d+" max="\d+"/>',
                          '<pause distribution="uniform" min="%d" max="%d"/>'
                          % (hold_min_s * 1000, hold_max_s * 1000), text)
    assert count == 1, "soak_uac.xml: no uniform pause to set"
    path = os.path.join(workdir, name + ".xml")
    with open(path, "w") as f:
        f.write(text)
    return path


class PlainCalls:
    """The plain call stream: a sipp UAS (one per run, on the route's port) and a sipp UAC run per
    ramp step and for the soak. Counts add up over the runs."""

    def __init__(self, processes, workdir, sip_port, uas_port, scenario, hold_max_s):
        self.processes, self.workdir = processes, workdir
        self.sip_port, self.uas_port = sip_port, uas_port
        self.scenario, self.hold_max_s = scenario, hold_max_s
        self.done = {"ok": 0, "failed": 0, "uas_failed": 0}
        self.uac = self.uas = None
        self.rate = 0

    def start(self, name, rate, seconds):
        self.rate = rate
        self.uas = SippRun(self.processes, name + "-uas", [
            "sipp", "-sf", UAS_SCENARIO, "-i", "127.0.0.1", "-p", str(self.uas_port), "-mp",
            str(sipp_media_port()), "-t", "u1", "-nostdin", "-recv_timeout",
            str(int((self.hold_max_s + 40) * 1000)), *SIPP_OPTIONS], self.workdir)
        siptest.wait_udp_bound(self.uas_port)
        media_port = sipp_media_port()
        self.uac = SippRun(self.processes, name + "-uac", uac_argv(
            self.sip_port, "load", rate, int(rate * seconds), self.hold_max_s, self.scenario,
            ["-mp", str(media_port), "-key", "plainport", str(media_port), "-timeout",
             "%ds" % (seconds * 3 + self.hold_max_s + 120)]), self.workdir)
        return self.uac

    def finish(self, monitor, timeout):
        """Waits (sampling) for the UAC's last call, then for the UAS's (SIGUSR1: sipp's smooth
        exit, after the 32 s timewait of its last call); returns this run's counts."""
        uac, uas = self.uac, self.uas
        monitor.sleep(timeout, until=lambda: uac.proc.poll() is not None)
        status = uac.finish(timeout=10)
        os.killpg(uas.proc.pid, signal.SIGUSR1)
        monitor.sleep(UAS_TIMEWAIT_S + 15, until=lambda: uas.proc.poll() is not None)
        uas.finish(timeout=5)
        uac, uas = self.uac.counts(), self.uas.counts()
        run = {"ok": uac["ok"], "failed": uac["failed"], "created": uac["created"],
               "uas_failed": uas["failed"], "uas_ok": uas["ok"], "status": status}
        for key in self.done:
            self.done[key] += run[key]
        self.uac = self.uas = None
        self.rate = 0
        return run

    def counts(self):
        ok, failed, active = self.done["ok"], self.done["failed"] + self.done["uas_failed"], 0
        if self.uac is not None:
            uac, uas = self.uac.counts(), self.uas.counts()
            ok += uac["ok"]
            failed += uac["failed"] + uas["failed"]
            active = uac["active"]
        return {"ok": ok, "failed": failed, "active": active}


class MediaPeer:
    """tests/tools/webrtcuas, reporting every 10 s; the latest report is kept."""

    def __init__(self, processes, binary, talk_s):
        self.sip_port = kit.free_udp_port()
        self.proc = spawn(processes, "webrtcuas", [
            binary, "--sip-port", str(self.sip_port), "--talk", str(talk_s), "--report-every",
            "10"], processes.workdir, stdout=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        match = re.match(r"ready sip=(\d+) plain=(\d+)", line)
        if not match:
            kit.fail(processes, "webrtcuas did not start: %r" % line)
        self.plain_port = int(match.group(2))
        self.report = {}
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").strip()
            if line.startswith("{"):
                with self.lock:
                    self.report = json.loads(line)

    def latest(self):
        with self.lock:
            return dict(self.report)

    def failures(self):
        return sum(self.latest().get("failures", {}).values())

    def stop(self):
        """SIGTERM: webrtcuas prints its final report and exits."""
        stop(self.proc, timeout=30)
        self.reader.join(timeout=5)
        return self.latest()


# ------------------------------------------------------------------------------ registrations

class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.values = {"ok": 0, "failed": 0}
        self.reasons = {}

    def add(self, ok, reason=None):
        with self.lock:
            self.values["ok" if ok else "failed"] += 1
            if not ok:
                self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def snapshot(self):
        with self.lock:
            return dict(self.values)


TIMER_F = 32.0  # RFC 3261: how long a client transaction waits for its final response


def transact(ua, text):
    """The final response to a request of `ua` (matched by CSeq), the request retransmitted over
    UDP as a phone does (T1 = 0.5 s doubling to T2 = 4 s) for up to Timer F; siptest.UserAgent
    sends once and waits 3 s, which a datagram dropped or a process scheduled late would fail."""
    cseq = re.search(r"^CSeq: (\d+ \w+)", text, re.M).group(1)
    ua.c.send(text)
    interval = 0.5
    now = time.time()
    deadline, resend_at = now + TIMER_F, now + interval
    while time.time() < deadline:
        wait_until = min(deadline, resend_at) if ua.c.transport == "udp" else deadline
        message = ua.c.recv(max(0.01, wait_until - time.time()))
        if message is None:
            if ua.c.transport == "udp" and time.time() >= resend_at:
                ua.c.send(text)
                interval = min(2 * interval, 4.0)
                resend_at = time.time() + interval
            elif ua.c.transport != "udp" and time.time() < deadline - 0.5:
                raise siptest.Failure("connection closed")
            continue
        if (message.is_response and message.status >= 200
                and message.get("CSeq").split() == cseq.split()):
            return message
    raise siptest.Failure("no final response to %s within %d s" % (text.split(" ", 1)[0], TIMER_F))


def register(ua, expires):
    """UserAgent.register with transact() above: REGISTER, 401, REGISTER with credentials."""
    uri = "sip:" + ua.domain
    headers = ["Contact: " + ua.contact(), "Expires: %d" % expires]
    response = transact(ua, ua.request("REGISTER", uri, headers))
    if response.status == 401:
        auth = siptest.digest_response(response.all("WWW-Authenticate")[0], "REGISTER", uri,
                                       ua.user, ua.password)
        response = transact(ua, ua.request("REGISTER", uri, headers + ["Authorization: " + auth]))
    return response


def register_once(ua, expires, counter):
    try:
        response = register(ua, expires)
        ok = response.status == 200
        counter.add(ok, "%d %s" % (response.status, response.reason) if not ok else None)
    except (siptest.Failure, OSError) as e:
        counter.add(False, type(e).__name__ + ": " + str(e)[:60])


class UdpRegistrations(threading.Thread):
    """--reg-users users over UDP, one socket each: a REGISTER (401, then with credentials) with
    Expires `expires`, refreshed at 3/4 of it (a little jitter), the first ones spread over 20 s."""

    def __init__(self, port, users, expires):
        super().__init__(daemon=True)
        self.port, self.users, self.expires = port, users, expires
        self.counter = Counter()
        self.stopping = threading.Event()

    def run(self):
        agents = [siptest.UserAgent(siptest.Connection("udp", self.port), user, password=pw)
                  for user, pw in self.users]
        spread = min(20.0, self.expires / 2)
        due = [(time.time() + spread * i / len(agents), i) for i in range(len(agents))]
        heapq.heapify(due)
        while not self.stopping.is_set():
            when, i = due[0]
            if when > time.time():
                self.stopping.wait(min(0.5, when - time.time()))
                continue
            heapq.heappop(due)
            register_once(agents[i], self.expires, self.counter)
            refresh = self.expires * 0.75 * random.uniform(0.95, 1.0)
            heapq.heappush(due, (time.time() + refresh, i))
        for agent in agents:
            agent.c.close()


class Probe(threading.Thread):
    """An OPTIONS to the gateway every `interval` s over UDP, timed: how long the signalling loop
    takes to answer, the longest per sample (a loop that stalls shows here before anything
    fails). An answer that takes over 5 s counts as lost."""

    def __init__(self, port, interval=0.2):
        super().__init__(daemon=True)
        self.port, self.interval = port, interval
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.max_ms, self.lost = 0.0, 0

    def take_max(self):
        """The longest answer since the last call, in ms."""
        with self.lock:
            value, self.max_ms = self.max_ms, 0.0
            return value

    def run(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        serial = 0
        while not self.stopping.is_set():
            serial += 1
            call_id = "probe-%d-%d" % (port, serial)
            sock.sendto(("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n"
                         "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKprobe%d;rport\r\n"
                         "Max-Forwards: 70\r\nFrom: <sip:probe@localhost>;tag=p%d\r\n"
                         "To: <sip:127.0.0.1>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\n"
                         "Content-Length: 0\r\n\r\n" % (self.port, port, serial, serial, call_id)
                         ).encode(), ("127.0.0.1", self.port))
            sent = time.time()
            answered = False
            while time.time() - sent < 5.0:
                sock.settimeout(max(0.01, 5.0 - (time.time() - sent)))
                try:
                    data = sock.recv(65536)
                except socket.timeout:
                    break
                if ("Call-ID: " + call_id).encode() in data:
                    answered = True
                    break
            with self.lock:
                if answered:
                    self.max_ms = max(self.max_ms, 1000 * (time.time() - sent))
                else:
                    self.lost += 1
                    self.max_ms = max(self.max_ms, 5000.0)
            self.stopping.wait(self.interval)
        sock.close()


class WebSocketClients(threading.Thread):
    """--ws-rate clients a second: connect over WS, REGISTER with digest auth, stay a few
    seconds, unregister (every other one) and close. A refused connection, a handshake that
    fails or a REGISTER not answered 200 is a failure."""

    def __init__(self, port, users, rate, stay_min, stay_max, expires):
        super().__init__(daemon=True)
        self.port, self.users, self.rate = port, users, rate
        self.stay_min, self.stay_max, self.expires = stay_min, stay_max, expires
        self.counter = Counter()
        self.stopping = threading.Event()
        self.clients = []

    def run(self):
        serial = 0
        next_at = time.time()
        while not self.stopping.is_set():
            self.clients = [t for t in self.clients if t.is_alive()]
            if time.time() >= next_at:
                user, password = self.users[serial % len(self.users)]
                client = threading.Thread(target=self.client, args=(user, password, serial % 2),
                                          daemon=True)
                client.start()
                self.clients.append(client)
                serial += 1
                next_at += 1.0 / self.rate
            self.stopping.wait(max(0.0, min(0.2, next_at - time.time())))
        for client in self.clients:
            client.join(timeout=self.stay_max + 10)

    def client(self, user, password, unregister):
        try:
            connection = siptest.Connection("ws", self.port)
        except (siptest.Failure, OSError) as e:
            self.counter.add(False, "connect: " + type(e).__name__)
            return
        try:
            ua = siptest.UserAgent(connection, user, password=password)
            register_once(ua, self.expires, self.counter)
            self.stopping.wait(random.uniform(self.stay_min, self.stay_max))
            if unregister:
                register_once(ua, 0, self.counter)
        finally:
            connection.close()


# ------------------------------------------------------------------------------ the gateway

def caps_for(peak_rate, hold_max_s, media_rate, media_hold_max_s):
    """security.max_dialogs and max_transactions for the highest rate this run may try, with a
    quarter to spare; the defaults (20000) where they suffice. Returns (dialogs, transactions,
    the YAML lines)."""
    dialogs = 1.25 * (peak_rate * (hold_max_s + 2) + media_rate * (media_hold_max_s + 2))
    transactions = 1.25 * 2 * TRANSACTION_SECONDS * (peak_rate + media_rate)
    dialogs = max(DEFAULT_CAP, int(math.ceil(dialogs / 1000.0)) * 1000)
    transactions = max(DEFAULT_CAP, int(math.ceil(transactions / 1000.0)) * 1000)
    return dialogs, transactions


def start_gateway(args, workdir, uas_port, peer_port, dialogs, transactions):
    """rtcgate run through siptest.Gateway: digest auth on, UDP and WS, the two routes, the
    soak's subscribers. Log level warn (the harness reads RTCGATE_TEST_LOG)."""
    os.environ["RTCGATE_TEST_LOG"] = "warn"
    users = [(CALLER, CALLER_PASSWORD)] + reg_users(args) + ws_users(args)
    security = "security: { rate_limit: { requests_per_second: 0 }"
    if dialogs != DEFAULT_CAP:
        security += ", max_dialogs: %d" % dialogs
    if transactions != DEFAULT_CAP:
        security += ", max_transactions: %d" % transactions
    extra = ("routes:\n"
             "  - { match: '^load$', to: [sip:127.0.0.1:%d] }\n"
             "  - { match: '^media$', to: [sip:127.0.0.1:%d], media: { srtp: dtls } }\n"
             "%s }\n" % (uas_port, peer_port, security))
    started = time.time()
    gateway = siptest.Gateway(args.binary, users=users, auth=True, extra_yaml=extra,
                              transports=("udp", "ws"), media_extra=", timeout: 60")
    print("%d subscribers added in %.1f s; gateway directory %s"
          % (len(users), time.time() - started, gateway.dir), flush=True)
    gateway.start()
    return gateway


def reg_users(args):
    return [("reg%04d" % i, "regpw%04d" % i) for i in range(args.reg_users)]


def ws_users(args):
    return [("ws%04d" % i, "wspw%04d" % i) for i in range(args.ws_users)]


def save_leftover_calls(http_port, workdir):
    """The calls the gateway still lists after the drain, into <workdir>/leftover_calls.json:
    which phase left them (their start time) tells a ramp's failed step from a leak."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/calls" % http_port,
                                    timeout=5) as r:
            calls = json.loads(r.read().decode())
    except (OSError, ValueError) as error:
        print("could not list the calls left in the gateway: %s" % error)
        return []
    calls = calls.get("calls", calls) if isinstance(calls, dict) else calls
    with open(os.path.join(workdir, "leftover_calls.json"), "w") as out:
        json.dump(calls, out, indent=1)
    return calls


def scrape(http_port):
    """/metrics as {family: [(label text, value)]}."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % http_port, timeout=5) as r:
        text = r.read().decode()
    families = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        family, _, labels = sample.partition("{")
        try:
            families.setdefault(family, []).append((labels, float(value)))
        except ValueError:
            continue
    return families


def udp_rcvbuf_errors():
    """Datagrams the kernel dropped for a full receive buffer, in all of this network namespace
    (ours alone: unshare -n): the gateway's, sipp's and the clients' sockets alike."""
    with open("/proc/net/snmp") as f:
        udp = [line.split() for line in f if line.startswith("Udp:")]
    return int(dict(zip(udp[0], udp[1])).get("RcvbufErrors", 0))


def machine_busy_seconds():
    """CPU seconds all cores spent on anything but idle and iowait (/proc/stat), everybody's:
    with bench_cpu_percent it shows what other work took of the machine during the run."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / run_bench.CLOCK_TICKS


def udp_socket_drops(port):
    """Datagrams dropped at the UDP socket bound to 127.0.0.1:`port` (/proc/net/udp's last
    column: its receive buffer was full), 0 when there is none."""
    wanted = "0100007F:%04X" % port
    with open("/proc/net/udp") as f:
        next(f)
        return sum(int(line.split()[-1]) for line in f if line.split()[1] == wanted)


def metric(families, name, label=None):
    return sum(v for labels, v in families.get(name, []) if label is None or label in labels)


# ------------------------------------------------------------------------------ sampling

class Monitor:
    """Takes a sample every `period` seconds while the main thread waits (sleep()), writes each as
    a CSV row at once and prints a progress line."""

    def __init__(self, csv_path, period, gateway, plain, media_uac, peer, regs, ws, probe,
                 processes):
        self.period = period
        self.probe = probe
        self.gateway, self.plain, self.media_uac, self.peer = gateway, plain, media_uac, peer
        self.regs, self.ws = regs, ws
        self.pid = gateway.process.proc.pid
        self.t0 = time.time()
        self.next_at = self.t0
        self.phase = "warm-up"
        self.rows = []
        self.last_cpu = (time.time(), run_bench.cpu_seconds(self.pid))
        self.processes = processes
        self.cpu_seen = {}  # pid -> its CPU seconds when last read
        self.cpu_gone = 0.0  # CPU seconds of our processes that have exited
        self.last_bench_cpu, self.last_machine = self.bench_cpu(), machine_busy_seconds()
        self.csv = open(csv_path, "w")
        self.csv.write(",".join(CSV_COLUMNS) + "\n")
        self.csv.flush()
        print("%7s %-9s %9s %9s %7s %7s %6s %5s %6s %8s %7s" % (
            "seconds", "phase", "rss KiB", "calls ok", "failed", "active", "regs", "ws",
            "gw cpu%", "probe ms", "others%"), flush=True)

    def bench_cpu(self):
        """CPU seconds of this run's processes so far: this script, the gateway, every sipp and
        webrtcuas (an exited one counts with its last reading, taken at most a sample before)."""
        pids = [os.getpid(), self.pid] + [p.pid for _, p in self.processes.started]
        total = 0.0
        for pid in pids:
            try:
                self.cpu_seen[pid] = run_bench.cpu_seconds(pid)
            except (OSError, IndexError):
                if pid in self.cpu_seen:
                    self.cpu_gone += self.cpu_seen.pop(pid)
                continue
            total += self.cpu_seen[pid]
        return total + self.cpu_gone

    def set_phase(self, phase, realign=False):
        self.phase = phase
        if realign:
            self.next_at = time.time()

    def sleep(self, seconds, until=None):
        """Sleeps `seconds` (or until `until()` is true, checked twice a second), sampling."""
        end = time.time() + seconds
        while time.time() < end:
            if time.time() >= self.next_at:
                self.sample()
                while self.next_at <= time.time():  # a wait that sampled nothing: skip ahead
                    self.next_at += self.period
            if until is not None and until():
                return True
            time.sleep(max(0.0, min(0.5, end - time.time(), self.next_at - time.time())))
        return until() if until is not None else True

    def counts(self):
        """Every load's counters now, for the soak's deltas."""
        plain = self.plain.counts()
        media = self.media_uac.counts()
        return {"plain_ok": plain["ok"], "plain_failed": plain["failed"],
                "media_ok": media["ok"], "media_failed": media["failed"],
                "peer_failures": self.peer.failures(), "reg_ok": self.regs.counter.snapshot()["ok"],
                "reg_failed": self.regs.counter.snapshot()["failed"],
                "ws_ok": self.ws.counter.snapshot()["ok"],
                "ws_failed": self.ws.counter.snapshot()["failed"]}

    def sample(self):
        now = time.time()
        try:
            families = scrape(self.gateway.http_port)
        except OSError:
            families = {}
        cpu = run_bench.cpu_seconds(self.pid)
        elapsed = max(1e-3, now - self.last_cpu[0])
        cpu_percent = 100.0 * (cpu - self.last_cpu[1]) / elapsed
        self.last_cpu = (now, cpu)
        bench_cpu = self.bench_cpu()
        machine_busy = machine_busy_seconds()
        bench_percent = 100.0 * (bench_cpu - self.last_bench_cpu) / elapsed
        machine_percent = 100.0 * (machine_busy - self.last_machine) / elapsed
        self.last_bench_cpu, self.last_machine = bench_cpu, machine_busy
        c = self.counts()
        peer = self.peer.latest()
        plain = self.plain.counts()
        row = {
            "seconds": round(now - self.t0, 1), "phase": self.phase,
            "rss_kib": run_bench.rss_kib(self.pid),
            "calls_total": c["plain_ok"] + c["media_ok"],
            "calls_failed": c["plain_failed"] + c["media_failed"] + c["peer_failures"],
            "active_calls": int(metric(families, "rtcgate_calls_live")),
            "registrations": int(metric(families, "rtcgate_registered_contacts")),
            "ws_clients": int(metric(families, "rtcgate_connections_open", 'transport="ws"')),
            "plain_rate": self.plain.rate, "plain_active": plain["active"],
            "media_active": peer.get("active", 0),
            "gw_cpu_percent": round(cpu_percent, 1),
            "gw_calls_started": int(metric(families, "rtcgate_calls_started_total")),
            "gw_calls_answered": int(metric(families, "rtcgate_calls_answered_total")),
            "transactions_live": int(metric(families, "rtcgate_transactions_live",
                                            'side="server"')),
            "relay_sessions": int(metric(families, "rtcgate_relay_sessions")),
            "overload_refused": int(metric(families, "rtcgate_proxy_overload_refused_total")),
            "gw_retransmissions": int(metric(families,
                                             "rtcgate_transaction_retransmissions_total")),
            "gw_transaction_timeouts": int(metric(families, "rtcgate_transaction_timeouts_total")),
            "udp_rcvbuf_errors": udp_rcvbuf_errors(),
            "gw_sip_udp_drops": udp_socket_drops(self.gateway.ports["udp"]),
            "gw_probe_max_ms": round(self.probe.take_max(), 1),
            "gw_probe_lost": self.probe.lost,
            "gw_loop_stalls": int(metric(families, "rtcgate_loop_stalls_total")),
            "gw_longest_stall_ms": round(
                1000 * metric(families, "rtcgate_loop_longest_stall_seconds"), 1),
            "bench_cpu_percent": round(bench_percent, 1),
            "machine_cpu_percent": round(machine_percent, 1),
        }
        row.update(c)
        row["_time"] = now
        self.rows.append(row)
        self.csv.write(",".join(str(row[k]) for k in CSV_COLUMNS) + "\n")
        self.csv.flush()
        print("%7.0f %-9s %9d %9d %7d %7d %6d %5d %6.0f %8.0f %7.0f" % (
            row["seconds"], row["phase"], row["rss_kib"], row["calls_total"], row["calls_failed"],
            row["active_calls"], row["registrations"], row["ws_clients"], row["gw_cpu_percent"],
            row["gw_probe_max_ms"], max(0.0, machine_percent - bench_percent)), flush=True)
        return row

    def close(self):
        self.csv.close()


# ------------------------------------------------------------------------------ the plot

GNUPLOT = """set datafile separator ","
set terminal {terminal} noenhanced size 1100,1000 font ",10"
set output "{png}"
set multiplot layout 3,1 title "rtcgate soak, {title}"
set grid
set key top left opaque box
set offsets 0, 0, graph 0.45, 0
set xlabel "seconds since the gateway started"
set xrange [0:*]
set arrow 1 from {warm_start}, graph 0 to {warm_start}, graph 1 nohead dashtype 3 lc rgb "gray60"
set arrow 2 from {soak_start}, graph 0 to {soak_start}, graph 1 nohead dashtype 2 lc rgb "gray30"
set label 1 "soak at {rate} calls/s" at {soak_start}, graph 0.05 offset 1,0
set ylabel "RSS (MiB)"
set object 1 rect from {ref_t}, {rss_lo} to {end_t}, {rss_hi} \\
    fc rgb "#ccffcc" fs solid 0.4 noborder behind
plot "{csv}" using "seconds":(column("rss_kib")/1024.0) with lines lw 2 title "rtcgate VmRSS", \\
     "{csv}" using "seconds":(column("rss_kib")/1024.0) every ::{ref_row}::{ref_row} \\
         with points pt 7 ps 1.5 title "reference: {ref_name} (band: +-5%)"
unset object 1
unset label 1
set ylabel "calls in progress"
set y2label "calls per second"
set y2tics
set ytics nomirror
set y2range [0:*]
plot "{csv}" using "seconds":"active_calls" with lines lw 2 \\
         title "calls in progress (rtcgate_calls_live)", \\
     "{csv}" using "seconds":"media_active" with lines title "media calls (webrtcuas)", \\
     "{csv}" using "seconds":(rate_of(column("calls_total"), column("seconds"))) axes x1y2 \\
         with lines title "answered per second (y2)", \\
     "{csv}" using "seconds":"plain_rate" axes x1y2 with steps dashtype 3 lc rgb "black" \\
         title "plain calls' target rate (y2)"
set ylabel "registered contacts, WebSocket connections"
set y2label "failed calls"
set y2range [0:*]
plot "{csv}" using "seconds":"registrations" with lines lw 2 title "registered contacts", \\
     "{csv}" using "seconds":"ws_clients" with lines title "WebSocket connections", \\
     "{csv}" using "seconds":"calls_failed" axes x1y2 with steps lw 2 lc rgb "red" \\
         title "failed calls, ramp included (y2)"
unset multiplot
"""


def gnuplot_terminal():
    """pngcairo, or libgd's png; None when gnuplot is missing or has neither."""
    if shutil.which("gnuplot") is None:
        return None
    for terminal in ("pngcairo", "png"):
        out = subprocess.run(["gnuplot", "-e", "set terminal %s" % terminal],
                             capture_output=True)
        if out.returncode == 0 and not out.stderr.strip():
            return terminal
    return None


def plot(csv_path, png_path, terminal, marks):
    """The PNG from the CSV; `marks`: warm_start, soak_start, ref_t, end_t (seconds), ref_rss
    (KiB), ref_row (its data row), ref_name, rate, title."""
    script = ("prev_v = NaN; prev_t = NaN\n"
              "rate_of(v, t) = (r = (t > prev_t) ? (v - prev_v) / (t - prev_t) : NaN, "
              "prev_v = v, prev_t = t, r)\n")
    script += GNUPLOT.format(
        terminal=terminal, png=png_path, csv=csv_path,
        rss_lo=marks["ref_rss"] * (1 - RSS_TOLERANCE) / 1024.0,
        rss_hi=marks["ref_rss"] * (1 + RSS_TOLERANCE) / 1024.0, **marks)
    out = subprocess.run(["gnuplot"], input=script.encode(), capture_output=True)
    if out.returncode != 0:
        print("gnuplot failed:\n" + out.stderr.decode(), file=sys.stderr)
        return False
    return True


# ------------------------------------------------------------------------------ the run

def ramp(args, monitor, plain):
    """Runs the plain-call steps in turn; returns (the highest rate with zero failures, rows)."""
    best, rows = 0, []
    print("ramp: %s calls/s, %d s each, holds %d-%d s"
          % (args.ramp_rates, args.ramp_seconds, args.hold_min, args.hold_max), flush=True)
    for rate in (int(r) for r in args.ramp_rates.split(",")):
        calls = int(rate * args.ramp_seconds)
        monitor.set_phase("ramp-%d" % rate)
        uac = plain.start("ramp-%d" % rate, rate, args.ramp_seconds)
        created_at = [None]

        def all_created():
            if created_at[0] is None and uac.counts()["created"] >= calls:
                created_at[0] = time.time() - uac.started
            return uac.proc.poll() is not None

        monitor.sleep(args.ramp_seconds * 3 + args.hold_max + 120, until=all_created)
        if created_at[0] is None and uac.counts()["created"] >= calls:
            created_at[0] = time.time() - uac.started
        run = plain.finish(monitor, timeout=30)
        creation = created_at[0] if created_at[0] is not None else float("inf")
        kept_up = creation <= args.ramp_seconds * 1.1 + 2
        ok = (run["status"] == 0 and run["failed"] == 0 and run["uas_failed"] == 0
              and run["ok"] == calls and kept_up)
        rows.append((rate, run, creation, ok))
        print("ramp %5d calls/s: %6d ok, %4d failed (UAS: %d failed), calls placed in %.1f s%s: %s"
              % (rate, run["ok"], run["failed"], run["uas_failed"], creation,
                 "" if kept_up else " (sipp fell behind)", "ok" if ok else "FAIL"), flush=True)
        if not ok:
            break
        best = rate
    return best, rows


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "rtcgate"))
    parser.add_argument("--peer", default=os.path.join(ROOT, "build", "webrtcuas"),
                        help="the webrtcuas tool")
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=int, help="plain calls/s of the soak (skips the ramp)")
    parser.add_argument("--ramp-rates", default="25,50,100,200,400,800,1600,3200")
    parser.add_argument("--ramp-seconds", type=int, default=20)
    parser.add_argument("--hold-min", type=int, default=0, help="plain calls, seconds")
    parser.add_argument("--hold-max", type=int, default=20)
    parser.add_argument("--media-rate", type=float, default=2, help="media calls/s")
    parser.add_argument("--media-hold-min", type=int, default=12)
    parser.add_argument("--media-hold-max", type=int, default=30)
    parser.add_argument("--media-talk", type=int, default=10,
                        help="seconds each media call sends (less than --media-hold-min)")
    parser.add_argument("--reg-users", type=int, default=300)
    parser.add_argument("--reg-expires", type=int, default=60)
    parser.add_argument("--ws-rate", type=float, default=2, help="WebSocket clients/s")
    parser.add_argument("--ws-users", type=int, default=50)
    parser.add_argument("--ws-stay-min", type=float, default=2)
    parser.add_argument("--ws-stay-max", type=float, default=6)
    parser.add_argument("--warm-up", type=int, default=20,
                        help="seconds of the other loads before the first plain calls")
    parser.add_argument("--soak-warm-up", type=int, default=60,
                        help="seconds of the soak's load before its clock starts")
    parser.add_argument("--sample-seconds", type=float, default=10)
    parser.add_argument("--out-dir", default=".", help="where soak-<date>.csv and .png go")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--low-priority", action="store_true",
                        help="every process of the bench at the lowest CPU share (autogroup nice "
                             "19): a check run on a machine doing other work")
    args = parser.parse_args()
    if args.media_talk + 2 > args.media_hold_min:
        parser.error("--media-talk must end 2 s before the shortest media hold")
    if not 0 <= args.hold_min <= args.hold_max:
        parser.error("--hold-min must be 0..--hold-max")
    return args


def check_tools(args):
    missing = []
    if not os.access(args.binary, os.X_OK) or not os.access(args.peer, os.X_OK):
        missing.append("the build: cmake -S . -B build -G Ninja && ninja -C build rtcgate "
                       "webrtcuas (or give --binary/--peer)")
    if shutil.which("sipp") is None:
        missing.append("sipp: apt-get install -y sip-tester")
    terminal = gnuplot_terminal()
    if terminal is None:
        missing.append("gnuplot with a PNG terminal, for the plot: apt-get install -y gnuplot-nox "
                       "(or make test-deps)")
    if missing:
        print("soak.py needs:\n  " + "\n  ".join(missing), file=sys.stderr)
        sys.exit(2)
    return terminal


def delta(after, before):
    return {k: after[k] - before[k] for k in after}


def start_loads(args, run, processes, workdir, csv_path, dialogs, transactions):
    """Into `run`, as they start (main stops what started): the gateway, the media peer and UAC,
    the registration, WebSocket and probe threads, and the monitor sampling them all (the plain
    calls start later, per ramp step and for the soak)."""
    run.peer = MediaPeer(processes, args.peer, args.media_talk)
    uas_port = kit.free_udp_port()
    run.workdir = workdir
    run.gateway = start_gateway(args, workdir, uas_port, run.peer.sip_port, dialogs, transactions)
    run.sip_port, ws_port = run.gateway.ports["udp"], run.gateway.ports["ws"]
    run.plain = PlainCalls(processes, workdir, run.sip_port, uas_port,
                           write_scenario(workdir, "plain", args.hold_min, args.hold_max),
                           args.hold_max)
    run.regs = UdpRegistrations(run.sip_port, reg_users(args), args.reg_expires)
    run.ws = WebSocketClients(ws_port, ws_users(args), args.ws_rate, args.ws_stay_min,
                              args.ws_stay_max, args.reg_expires)
    run.media_uac = SippRun(processes, "media-uac", uac_argv(
        run.sip_port, "media", args.media_rate, 100000000, args.media_hold_max,
        write_scenario(workdir, "media", args.media_hold_min, args.media_hold_max),
        ["-mp", str(sipp_media_port()), "-key", "plainport", str(run.peer.plain_port)]), workdir)
    run.probe = Probe(run.sip_port)
    for thread in (run.regs, run.ws, run.probe):
        thread.start()
        run.threads.append(thread)
    run.monitor = Monitor(csv_path, args.sample_seconds, run.gateway, run.plain, run.media_uac,
                          run.peer, run.regs, run.ws, run.probe, processes)


def choose_rate(args, run):
    """(the measured maximum or None, the soak's rate): the ramp, or --rate."""
    if args.rate:
        return None, args.rate
    max_rate, ramp_rows = ramp(args, run.monitor, run.plain)
    if max_rate and not ramp_rows[-1][3]:
        # Media calls set up during the failed step end within the longest hold.
        run.monitor.set_phase("settle")
        run.monitor.sleep(args.media_hold_max + 5)
    return max_rate, max(1, max_rate // 2)


def soak(args, run, rate):
    """The soak at `rate`, its warm-up and drain; returns what the verdict and summary need."""
    monitor, plain, media_uac = run.monitor, run.plain, run.media_uac
    # The soak's load starts --soak-warm-up seconds before its clock, so that minute 5 (or 1/6
    # of a short run) finds it at its steady state: calls held up to --hold-max, proxied
    # transactions kept 32 s. Failures count from the warm-up on.
    r = types.SimpleNamespace(rate=rate, seconds=args.minutes * 60)
    r.calls = int(rate * (args.soak_warm_up + r.seconds))
    r.before = monitor.counts()
    r.drops_before = (udp_rcvbuf_errors(), udp_socket_drops(run.sip_port))
    monitor.set_phase("soak-warm")
    r.warm_start = time.time() - monitor.t0
    uac = plain.start("soak", rate, args.soak_warm_up + r.seconds)
    monitor.sleep(args.soak_warm_up)
    monitor.set_phase("soak", realign=True)
    t0 = monitor.next_at  # samples at the soak's start and every period after it
    r.start = t0 - monitor.t0
    created_before = uac.counts()["created"]
    # The end of the soak: the first sample at or after N minutes (on the schedule).
    monitor.sleep(r.seconds + args.sample_seconds + 5,
                  until=lambda: monitor.rows[-1]["_time"] >= t0 + r.seconds)
    r.end_row = monitor.rows[-1]
    r.achieved = (uac.counts()["created"] - created_before) / r.seconds

    monitor.set_phase("drain")
    os.killpg(media_uac.proc.pid, signal.SIGUSR1)  # sipp's smooth exit: no new calls
    r.plain_run = plain.finish(monitor, timeout=args.hold_max * 3 + 120)
    monitor.sleep(args.media_hold_max + 60, until=lambda: media_uac.proc.poll() is not None)
    media_uac.finish(timeout=10)
    for thread in run.threads:
        thread.stopping.set()
    for thread in run.threads:
        thread.join(timeout=args.ws_stay_max + 20)

    def calls_drained():
        try:
            return metric(scrape(run.gateway.http_port), "rtcgate_calls_live") == 0
        except OSError:
            return False
    monitor.sleep(60, until=calls_drained)
    r.leftover = save_leftover_calls(run.gateway.http_port, run.workdir)
    r.report = run.peer.stop()
    r.after = monitor.counts()
    r.after["peer_failures"] = sum(r.report.get("failures", {}).values())
    r.drained_row = (monitor.sample() if time.time() - monitor.rows[-1]["_time"] > 2
                     else monitor.rows[-1])
    monitor.close()
    r.delta = delta(r.after, r.before)
    soak_rows = [row for row in monitor.rows if row["phase"] == "soak"]
    ref_at = (5 * 60 if r.seconds >= 600 else r.seconds / 6) + r.start
    r.ref_row = min(soak_rows, key=lambda row: abs(row["seconds"] - ref_at))
    r.ref_name = "soak minute 5" if r.seconds >= 600 else "1/6 of the soak"
    return r


def verdict(r):
    """The pass rule: (passed, what failed)."""
    d = r.delta
    r.rss_change = (r.end_row["rss_kib"] - r.ref_row["rss_kib"]) / r.ref_row["rss_kib"]
    failed = []
    if (d["plain_failed"] or d["media_failed"] or d["peer_failures"]
            or r.plain_run["ok"] != r.calls):
        failed.append("failed calls")
    if d["reg_failed"] or d["ws_failed"]:
        failed.append("failed registrations")
    if abs(r.rss_change) > RSS_TOLERANCE:
        failed.append("RSS moved more than 5%")
    if d["media_ok"] == 0 or d["ws_ok"] == 0:
        failed.append("a load did not run")
    return not failed, failed


def print_summary(args, run, r, max_rate, caps):
    d, after, report, drained, rows = r.delta, r.after, r.report, r.drained_row, run.monitor.rows

    def loss(direction):
        sent = report.get(direction, {}).get("sent", 0)
        received = report.get(direction, {}).get("received", 0)
        return 100.0 * max(0, sent - received) / max(1, sent)

    print("\nsummary (soak: %g min at %d calls/s, achieved %.1f calls/s; max rate %s calls/s)"
          % (args.minutes, r.rate, r.achieved,
             max_rate if max_rate is not None else "not measured (--rate)"))
    print("%-34s %14s %10s" % ("", "soak", "whole run"))
    for name, key_ok, key_failed in (
            ("plain calls ok / failed (sipp)", "plain_ok", "plain_failed"),
            ("media calls ok / failed (sipp)", "media_ok", "media_failed"),
            ("media peer failures (webrtcuas)", None, "peer_failures"),
            ("registrations ok / failed (UDP)", "reg_ok", "reg_failed"),
            ("WS REGISTERs ok / failed", "ws_ok", "ws_failed")):
        cells = [("%d / %d" % (c[key_ok], c[key_failed])) if key_ok else "%d" % c[key_failed]
                 for c in (d, after)]
        print("%-34s %14s %10s" % (name, cells[0], cells[1]))
    print("%-34s %d KiB at %.0f s (soak %+.0f s), %d KiB at the end: %+.2f%% (limit +-%d%%)"
          % ("RSS", r.ref_row["rss_kib"], r.ref_row["seconds"], r.ref_row["seconds"] - r.start,
             r.end_row["rss_kib"], 100 * r.rss_change, 100 * RSS_TOLERANCE))
    print("%-34s %d KiB" % ("RSS after the calls drained", drained["rss_kib"]))
    print("%-34s to RTP %.3f%%, to SRTP %.3f%% (set-up median %s ms)" % (
        "media loss, whole run", loss("toPlain"), loss("toWebrtc"),
        report.get("setupMs", {}).get("median")))
    print("%-34s %d" % ("503s for the caps (whole run)", drained["overload_refused"]))
    print("%-34s %d retransmissions, %d timeouts" % (
        "gateway transactions (whole run)", drained["gw_retransmissions"],
        drained["gw_transaction_timeouts"]))
    print("%-34s %d (soak: %d), at the gateway's SIP socket %d (soak: %d)" % (
        "UDP receive-buffer drops", drained["udp_rcvbuf_errors"],
        drained["udp_rcvbuf_errors"] - r.drops_before[0], drained["gw_sip_udp_drops"],
        drained["gw_sip_udp_drops"] - r.drops_before[1]))
    print("%-34s %d" % ("calls left in the gateway", drained["active_calls"]))
    for call in r.leftover[:20]:
        print("    %s %s -> %s, state %s, started %s" % (
            call.get("call_id"), call.get("from"), call.get("to"), call.get("state"),
            call.get("start")))
    others = [max(0.0, row["machine_cpu_percent"] - row["bench_cpu_percent"])
              for row in rows if row["phase"] in ("soak-warm", "soak")]
    print("%-34s mean %.0f%%, at most %.0f%% of a core (of %d)%s" % (
        "other work on the machine (soak)", sum(others) / max(1, len(others)),
        max(others or [0]), os.cpu_count(),
        ": the results may reflect it" if max(others or [0]) > 50 else ""))
    soak_probe = [row["gw_probe_max_ms"] for row in rows if row["phase"] == "soak"]
    print("%-34s %.0f ms in the soak, %.0f ms in the whole run; %d unanswered (5 s)" % (
        "longest OPTIONS answer", max(soak_probe or [0]),
        max(row["gw_probe_max_ms"] for row in rows), drained["gw_probe_lost"]))
    print("%-34s %d (longest %.0f ms; 'signalling loop' lines in the gateway's log)" % (
        "signalling loop stalls >= 100 ms", drained["gw_loop_stalls"],
        drained["gw_longest_stall_ms"]))
    print("%-34s max_dialogs %d, max_transactions %d" % ("caps", caps[0], caps[1]))
    for counter, name in ((run.regs.counter, "UDP registration"), (run.ws.counter, "WS")):
        if counter.reasons:
            print("%s failures: %s" % (name, counter.reasons))
    if report.get("failures"):
        print("webrtcuas failures: %s" % report["failures"])


def main():
    args = parse_args()
    args.binary, args.peer = os.path.abspath(args.binary), os.path.abspath(args.peer)
    out_dir = os.path.abspath(args.out_dir)
    terminal = check_tools(args)
    if args.low_priority:
        os.environ["RTCGATE_SOAK_LOW_PRIORITY"] = "1"
        set_autogroup_nice("self")
    e2e.enter_namespace()
    run_bench.raise_fd_limit()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    csv_path = os.path.join(out_dir, "soak-%s.csv" % stamp)
    png_path = os.path.join(out_dir, "soak-%s.png" % stamp)
    workdir = tempfile.mkdtemp(prefix="rtcgate-soak-")
    processes = kit.Processes(workdir)
    peak = args.rate or max(int(r) for r in args.ramp_rates.split(","))
    caps = caps_for(peak, args.hold_max, args.media_rate, args.media_hold_max)
    print("caps for up to %d calls/s: security.max_dialogs %d%s, max_transactions %d%s; "
          "security.rate_limit off (all load from 127.0.0.1)"
          % (peak, caps[0], " (raised)" if caps[0] != DEFAULT_CAP else " (default)",
             caps[1], " (raised)" if caps[1] != DEFAULT_CAP else " (default)"), flush=True)
    run = types.SimpleNamespace(gateway=None, threads=[])
    try:
        start_loads(args, run, processes, workdir, csv_path, *caps)
        run.monitor.sleep(args.warm_up)
        max_rate, rate = choose_rate(args, run)
        if max_rate == 0:
            print("SOAK FAIL: no ramp step passed; nothing to soak at", flush=True)
            return 1
        print("max rate %s calls/s; soak at %d calls/s for %g min%s"
              % (max_rate if max_rate is not None else "(not measured)", rate, args.minutes,
                 " (--rate)" if args.rate else ""), flush=True)
        r = soak(args, run, rate)
        passed, failed = verdict(r)
        plotted = plot(csv_path, png_path, terminal, {
            "warm_start": r.warm_start, "soak_start": r.start, "ref_t": r.ref_row["seconds"],
            "end_t": r.end_row["seconds"], "ref_rss": r.ref_row["rss_kib"],
            "ref_row": run.monitor.rows.index(r.ref_row), "ref_name": r.ref_name, "rate": rate,
            "title": "%s, %g min at %d calls/s (dotted: its warm-up)" % (
                time.strftime("%Y-%m-%d %H:%M"), args.minutes, rate)})
        print_summary(args, run, r, max_rate, caps)
        print("csv: %s\npng: %s" % (csv_path, png_path if plotted else "(gnuplot failed)"))
        print("SOAK %s" % ("PASS" if passed else "FAIL: " + ", ".join(failed)), flush=True)
        return 0 if passed else 1
    finally:
        for thread in run.threads:
            thread.stopping.set()
        if run.gateway is not None:
            run.gateway.stop()
        processes.stop_all()
        if args.keep:
            print("work directory kept: %s (gateway: %s)"
                  % (workdir, run.gateway.dir if run.gateway else "-"))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if run.gateway is not None:
                run.gateway.cleanup()


if __name__ == "__main__":
    sys.exit(main())
