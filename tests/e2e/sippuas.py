"""sipp as the phone (bob) of the browser tests: registered over UDP, answering with RTP echo;
and the demo phone (alice) calling it."""
import os
import subprocess

from siptest import check, free_port, sipp, sipp_logs


def register_bob(gw, port):
    rc, logs = sipp("register.xml", gw.ports["udp"], port,
                    ["-s", "bob", "-au", "bob", "-ap", "bobpw"])
    check(rc == 0, "sipp register:\n%s" % sipp_logs(logs))


def uas(gw, scenario, port, name):
    """bob registered from `port` and answering there, in the background: (process, log dir)."""
    register_bob(gw, port)
    logs = os.path.join(gw.dir, name)
    os.makedirs(logs, exist_ok=True)
    media = free_port()
    process = sipp(scenario, gw.ports["udp"], port,
                   ["-s", "bob", "-rtp_echo", "-mi", "127.0.0.1", "-mp", str(media)],
                   timeout=90, log_dir=logs, background=True)
    return process, logs


def finish(process, logs, gw, timeout):
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    check(process.returncode == 0, "sipp UAS failed (exit %s):\n%s\n%s" %
          (process.returncode, sipp_logs(logs), gw.log()[-3000:]))


def browser_calls_bob(browser, gw):
    """The demo phone registers alice over WSS and calls bob; media flows both ways."""
    answer = browser.ask(cmd="phone", url="https://127.0.0.1:%d/phone" % gw.ports["wss"],
                         user="alice", password="alicepw")
    check(answer["state"] == "registered", "phone did not register: %r" % answer)
    answer = browser.ask(cmd="call", target="bob", seconds=3, timeout=60)
    check(answer["state"] == "confirmed", "call not established: %r\n%s" %
          (answer, gw.log()[-3000:]))
    check(answer["packetsSent"] > 50 and answer["packetsReceived"] > 50,
          "media did not flow: %r" % answer)
    return answer
