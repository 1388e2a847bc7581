#!/usr/bin/env python3
"""php-memcached (Debian php-cli + php-memcached, i.e. libmemcached) against
a memcached-compatible server, once with the binary protocol and once with
text. Usage: php_memcached_test.py PATH_TO_BINARY. The session itself is
php_memcached_session.php. Prints SKIP and exits 0 only when php or the
memcached extension is not installed (tools/scripts/setup installs both)."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tandem_server  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    binary = tandem_server.binary_from_argv()
    php = shutil.which("php")
    if php is None:
        print("SKIP: php (Debian php-cli) is not installed")
        return 0
    probe = subprocess.run([php, "-r", "exit(class_exists('Memcached') ? 0 : 1);"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if probe.returncode != 0:
        print("SKIP: the php memcached extension (Debian php-memcached) is not installed")
        return 0
    failures = 0
    for mode in ("1", "0"):
        name = "binary" if mode == "1" else "text"
        with tandem_server.Server(binary) as srv:
            r = subprocess.run([php, os.path.join(HERE, "php_memcached_session.php"), str(srv.port), mode],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=90)
            out = r.stdout.decode("utf-8", "replace")
            if r.returncode != 0 or "FAILED 0" not in out:
                failures += 1
                print("FAIL: php-memcached %s protocol (exit %d):\n%s" % (name, r.returncode, out))
            else:
                print("php-memcached %s protocol: %s" % (name, out.strip()))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
