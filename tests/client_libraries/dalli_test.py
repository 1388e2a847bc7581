#!/usr/bin/env python3
"""Dalli (Debian ruby-dalli 3.0, a binary-protocol-only client) against a
memcached-compatible server. Usage: dalli_test.py PATH_TO_BINARY. The
session itself is dalli_session.rb. Prints SKIP and exits 0 only when ruby
or Dalli is not installed (tools/scripts/setup installs both)."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tandem_server  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    binary = tandem_server.binary_from_argv()
    ruby = shutil.which("ruby")
    if ruby is None:
        print("SKIP: ruby is not installed (Debian ruby, ruby-dalli)")
        return 0
    probe = subprocess.run([ruby, "-e", "require 'dalli'"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if probe.returncode != 0:
        print("SKIP: Dalli (Debian ruby-dalli) is not installed")
        return 0
    with tandem_server.Server(binary) as srv:
        r = subprocess.run([ruby, os.path.join(HERE, "dalli_session.rb"), str(srv.port)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=90)
        out = r.stdout.decode("utf-8", "replace")
        if r.returncode != 0 or "FAILED 0" not in out:
            print("FAIL: dalli (exit %d):\n%s" % (r.returncode, out))
            return 1
        print("dalli: %s" % out.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
