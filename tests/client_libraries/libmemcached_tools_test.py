#!/usr/bin/env python3
"""The libmemcached command-line tools (Debian libmemcached-tools, whose
binaries are named memc*: memccp, memccat, ...) against a memcached-
compatible server in binary mode: copy files in, read them back, check
existence, touch, remove, flush, stat; then memccapable -b, libmemcached's
own binary-protocol conformance suite. Usage: libmemcached_tools_test.py
PATH_TO_BINARY. Prints SKIP and exits 0 only when the tools are not
installed (tools/scripts/setup installs them)."""

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tandem_server  # noqa: E402


def tool(name):
    # Debian renames memcp -> memccp etc.; accept either spelling.
    return shutil.which("memc" + name[3:]) or shutil.which(name)


def run(ck, what, argv, want_rc=0, want_out=None):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    out = r.stdout.decode("utf-8", "replace")
    ck.eq("%s exit code (output %r)" % (what, out[-400:]), r.returncode, want_rc)
    if want_out is not None:
        ck.eq("%s output" % what, out, want_out)
    return out


def session(port, ck, tmp):
    servers = "--servers=127.0.0.1:%d" % port
    files = {}
    for name, data in (("small.txt", "hello\n"), ("empty.txt", ""), ("binary.bin", "\x00\x01\r\n\xff"),
                       ("large.txt", "x" * 300000)):
        path = os.path.join(tmp, name)
        with open(path, "w", encoding="latin-1") as f:
            f.write(data)
        files[name] = (path, data)
    run(ck, "memcp", [tool("memcp"), servers, "--binary"] + [p for p, _ in files.values()])
    for name, (_, data) in files.items():
        r = subprocess.run([tool("memcat"), servers, "--binary", name], stdout=subprocess.PIPE, timeout=60)
        ck.eq("memcat %s rc" % name, r.returncode, 0)
        # memcat prints a newline after each value.
        got = r.stdout.decode("latin-1")
        ck.true("memcat %s bytes (got %d bytes %r...)" % (name, len(got), got[:40]), got == data + "\n")
    run(ck, "memcat missing", [tool("memcat"), servers, "--binary", "missing.txt"], want_rc=1)
    run(ck, "memexist", [tool("memexist"), servers, "--binary", "small.txt"])
    run(ck, "memexist missing", [tool("memexist"), servers, "--binary", "missing.txt"], want_rc=1)
    run(ck, "memtouch", [tool("memtouch"), servers, "--binary", "--expire=100", "small.txt"])
    run(ck, "memrm", [tool("memrm"), servers, "--binary", "small.txt"])
    run(ck, "memcat after memrm", [tool("memcat"), servers, "--binary", "small.txt"], want_rc=1)
    out = run(ck, "memstat", [tool("memstat"), servers, "--binary"])
    for field in ("pid:", "uptime:", "curr_items:", "cmd_get:", "version:"):
        ck.true("memstat shows %s" % field, field in out)
    run(ck, "memflush", [tool("memflush"), servers, "--binary"])
    run(ck, "memcat after memflush", [tool("memcat"), servers, "--binary", "empty.txt"], want_rc=1)
    capable = shutil.which("memccapable") or shutil.which("memcapable")
    if capable:
        out = run(ck, "memccapable -b", [capable, "-h", "127.0.0.1", "-p", str(port), "-b", "-t", "10"])
        ck.true("memccapable: all tests passed", "All tests passed" in out)
        ck.true("memccapable: no failures", "[FAIL]" not in out)


def main():
    binary = tandem_server.binary_from_argv()
    if tool("memcp") is None or tool("memcat") is None:
        print("SKIP: libmemcached-tools (memccp, memccat, ...) are not installed")
        return 0
    ck = tandem_server.Checker()
    tmp = tempfile.mkdtemp(prefix="tandem-libmemcached-")
    try:
        with tandem_server.Server(binary) as srv:
            session(srv.port, ck, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ck.finish("libmemcached-tools (binary protocol)")


if __name__ == "__main__":
    sys.exit(main())
