"""Fixtures for the tandem Python module's tests: real tandemd processes on
free loopback ports (single nodes and replicating pairs), stopped by PID.

ctest sets TANDEMD (the server binary) and puts build/python on PYTHONPATH;
run by hand as
  TANDEMD=build/bin/tandemd PYTHONPATH=build/python python3 -m pytest tests/python
"""

import os
import random
import socket
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "client_libraries"))
from tandem_server import Server, _port_is_free  # noqa: E402


def tandemd_path():
    path = os.environ.get("TANDEMD", "")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("set TANDEMD to the tandemd binary (got %r)" % path)
    return path


def free_port():
    for _ in range(50):
        port = random.randint(20000, 31999)
        if _port_is_free(port):
            return port
    raise RuntimeError("no free loopback port")


def command(port, line, timeout=2.0):
    """Sends one text command, returns the reply up to END/STORED/... line."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(line)
        data = b""
        while not (data.endswith(b"END\r\n") or data.endswith(b"STORED\r\n") or data.endswith(b"DELETED\r\n")
                   or data.endswith(b"NOT_FOUND\r\n") or data.endswith(b"ERROR\r\n")):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def stat(port, name):
    for line in command(port, b"stats\r\n").split(b"\r\n"):
        parts = line.split()
        if len(parts) == 3 and parts[1] == name.encode():
            return int(parts[2])
    raise KeyError(name)


class Pair:
    """Two tandemd processes replicating to each other: `first` is the
    master (waits for its peer), `second` dials it."""

    def __init__(self, binary):
        self.repl_port = free_port()
        self.first = Server(binary, ["-X", str(self.repl_port)]).__enter__()
        try:
            self.second = Server(binary, ["-x", "127.0.0.1:%d" % self.repl_port, "-X", str(free_port())]).__enter__()
        except Exception:
            self.first.__exit__(None, None, None)
            raise
        self.wait_linked()

    def wait_linked(self, timeout=10.0):
        """A write on the first node shows up on the second (bounded wait)."""
        marker = b"pair-link-%d" % self.repl_port
        assert command(self.first.port, b"set %s 0 0 1\r\n1\r\n" % marker) == b"STORED\r\n"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if marker in command(self.second.port, b"get %s\r\n" % marker):
                return
            time.sleep(0.05)
        raise RuntimeError("the pair never linked:\n%s\n%s" % (self.first.output(), self.second.output()))

    def entry(self):
        return "127.0.0.1:%d/127.0.0.1:%d" % (self.first.port, self.second.port)

    def stop(self):
        for server in (self.second, self.first):
            server.__exit__(None, None, None)


@pytest.fixture
def tandemd():
    return tandemd_path()


@pytest.fixture
def single(tandemd):
    """Three single-node shards."""
    servers = [Server(tandemd).__enter__() for _ in range(3)]
    yield servers
    for s in servers:
        s.__exit__(None, None, None)


@pytest.fixture
def pairs(tandemd):
    """Two replicating pairs."""
    made = []
    try:
        for _ in range(2):
            made.append(Pair(tandemd))
        yield made
    finally:
        for p in made:
            p.stop()
