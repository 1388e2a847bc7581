"""Shared helper for the real-client tests: runs one memcached-compatible
server (tandemd or /usr/bin/memcached) on a free loopback port and stops it
by PID. Not a test itself (no _test suffix)."""

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def reexec_with_system_python(modules):
    """The Debian client libraries live in /usr/bin/python3's dist-packages;
    CMake may have found another interpreter (pyenv). Re-run under Debian's
    when an import fails, once."""
    try:
        for m in modules:
            __import__(m)
        return
    except ImportError as e:
        system = "/usr/bin/python3"
        if (os.path.exists(system) and os.environ.get("TANDEM_CLIENT_TEST_REEXEC") != "1"
                and os.path.realpath(sys.executable) != os.path.realpath(system)):
            os.environ["TANDEM_CLIENT_TEST_REEXEC"] = "1"
            os.execv(system, [system] + sys.argv)
        sys.exit("FAIL: cannot import %s (%s); install python3-pymemcache python3-memcache" % (modules, e))


def _port_is_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        s.listen(1)
        return True
    except OSError:
        return False
    finally:
        s.close()


def _can_connect(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Server:
    """Context manager: `with Server(binary, args) as srv: srv.port`."""

    def __init__(self, binary, args=(), startup_timeout=5.0):
        self.binary = binary
        self.args = list(args)
        self.startup_timeout = startup_timeout
        self.proc = None
        self.port = None
        self.tmpdir = None
        self.log_path = None

    def __enter__(self):
        if not os.access(self.binary, os.X_OK):
            raise RuntimeError("server binary not found or not executable: %s" % self.binary)
        self.tmpdir = tempfile.mkdtemp(prefix="tandem-client-test-")
        self.log_path = os.path.join(self.tmpdir, "server.log")
        last_error = "not started"
        for _ in range(8):
            # Below the kernel's ephemeral range, so outgoing connections of
            # other tests never hold these ports.
            port = random.randint(20000, 31999)
            if not _port_is_free(port):
                continue
            cmd = [self.binary, "-p", str(port), "-l", "127.0.0.1", "-U", "0"]
            if os.geteuid() == 0:
                cmd += ["-u", "root"]
            cmd += self.args
            with open(self.log_path, "wb") as log:
                self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=True)
            self.port = port
            deadline = time.monotonic() + self.startup_timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if _can_connect(port):
                    time.sleep(0.02)
                    if self.proc.poll() is None:
                        return self
                    break
                time.sleep(0.01)
            last_error = "exited with %s" % self.proc.returncode if self.proc.poll() is not None else "never accepted"
            output = self.output()
            self.stop()
            if "in use" not in output and "bind" not in output and "listen" not in output:
                break
        out = self.output()
        self._cleanup()
        raise RuntimeError("could not start %s: %s\n--- server output ---\n%s" % (self.binary, last_error, out))

    def output(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, grace=5.0):
        """SIGTERM, bounded wait, then SIGKILL; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return self.proc.returncode

    def _cleanup(self):
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def __exit__(self, exc_type, exc, tb):
        try:
            code = self.stop()
            if exc_type is not None:
                sys.stderr.write("--- server output ---\n%s\n" % self.output())
            elif code not in (0, None):
                sys.stderr.write("server exited with %s after SIGTERM\n--- server output ---\n%s\n" % (code, self.output()))
        finally:
            self._cleanup()
        return False


def binary_from_argv():
    if len(sys.argv) != 2:
        sys.exit("usage: %s PATH_TO_SERVER_BINARY (tandemd or memcached)" % sys.argv[0])
    return sys.argv[1]


class Checker:
    """Collects failures instead of stopping at the first one."""

    def __init__(self):
        self.failures = []
        self.checks = 0

    def eq(self, what, got, want):
        self.checks += 1
        if got != want:
            self.failures.append("%s: got %r, want %r" % (what, got, want))

    def true(self, what, cond):
        self.checks += 1
        if not cond:
            self.failures.append("%s: not true" % what)

    def finish(self, name):
        if self.failures:
            print("FAIL: %s: %d of %d checks failed:" % (name, len(self.failures), self.checks))
            for f in self.failures:
                print("  - " + f)
            return 1
        print("%s: %d checks passed" % (name, self.checks))
        return 0
