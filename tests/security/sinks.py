"""What the attack tests share: listening sinks on loopback addresses other than the gateway's
(127.0.0.2, 127.0.0.3, ...) that record everything rtcgate sends them, so that a test can say
"an attacker's target got nothing", and the integration tests' harness (siptest).

Standard library only. Every socket is bound here and closed here.
"""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

import siptest  # noqa: E402,F401  (re-exported for the tests)


class Sink:
    """UDP and TCP on host:port (one port number for both, as SIP uses); every datagram and every
    byte read from an accepted connection is recorded with its transport."""

    def __init__(self, host="127.0.0.2", port=0):
        self.host = host
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((host, port))
        self.port = self.udp.getsockname()[1]
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((host, self.port))
        self.tcp.listen(16)
        self._lock = threading.Lock()
        self._received = []
        self._closed = False
        for target in (self._read_udp, self._accept_tcp):
            threading.Thread(target=target, daemon=True).start()

    @property
    def uri_host(self):
        return f"{self.host}:{self.port}"

    def _record(self, transport, data):
        with self._lock:
            self._received.append((transport, data))

    def _read_udp(self):
        while not self._closed:
            try:
                data, _ = self.udp.recvfrom(65536)
            except OSError:
                return
            self._record("udp", data)

    def _accept_tcp(self):
        while not self._closed:
            try:
                connection, _ = self.tcp.accept()
            except OSError:
                return
            threading.Thread(target=self._read_tcp, args=(connection,), daemon=True).start()

    def _read_tcp(self, connection):
        self._record("tcp-connect", b"")
        with connection:
            while True:
                try:
                    data = connection.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                self._record("tcp", data)

    def received(self):
        with self._lock:
            return list(self._received)

    def clear(self):
        with self._lock:
            self._received.clear()

    def quiet_for(self, seconds=1.0):
        """Waits `seconds`; true when nothing at all arrived (a connection attempt counts)."""
        time.sleep(seconds)
        return not self.received()

    def describe(self):
        return "; ".join(f"{t}: {d[:120]!r}" for t, d in self.received()) or "nothing"

    def close(self):
        self._closed = True
        for sock in (self.udp, self.tcp):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


def final_response(connection, timeout=3.0):
    """The next final response on a siptest.Connection (provisionals skipped), or None."""
    while True:
        message = connection.recv(timeout)
        if message is None or (message.is_response and message.status >= 200):
            return message


def registered(gateway, user, transport="udp"):
    """A siptest.UserAgent for `user` (password `<user>pw`), registered over `transport`."""
    ua = siptest.UserAgent(siptest.Connection(transport, gateway.ports[transport]), user,
                           password=f"{user}pw")
    siptest.check(ua.register().status == 200, f"{user} could not register")
    return ua
