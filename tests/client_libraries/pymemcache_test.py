#!/usr/bin/env python3
"""Scripted session with pymemcache (Debian python3-pymemcache) against a
memcached-compatible server. Usage: pymemcache_test.py PATH_TO_BINARY.
Exits 0 when every check passes."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tandem_server  # noqa: E402

tandem_server.reexec_with_system_python(["pymemcache"])

from pymemcache import serde  # noqa: E402
from pymemcache.client.base import Client  # noqa: E402
from pymemcache.exceptions import MemcacheClientError, MemcacheServerError  # noqa: E402


def session(port, ck):
    addr = ("127.0.0.1", port)
    c = Client(addr, connect_timeout=5, timeout=5, default_noreply=False)
    try:
        ck.eq("version", c.version().split(b".")[0], b"1")
        ck.eq("set", c.set("k1", b"v1"), True)
        ck.eq("get", c.get("k1"), b"v1")
        ck.eq("get miss", c.get("nope"), None)
        ck.eq("set flags", c.set("fl", b"x", flags=12345), True)
        ck.eq("get flags", c.get("fl"), b"x")  # flags are checked via raw bytes below

        ck.eq("set_many", c.set_many({"m1": b"a", "m2": b"b", "m3": b"c"}), [])
        ck.eq("get_many", c.get_many(["m1", "m2", "m3", "missing"]), {"m1": b"a", "m2": b"b", "m3": b"c"})

        ck.eq("add new", c.add("added", b"1"), True)
        ck.eq("add existing", c.add("added", b"2"), False)
        ck.eq("replace existing", c.replace("added", b"3"), True)
        ck.eq("replace missing", c.replace("nope", b"3"), False)
        ck.eq("after replace", c.get("added"), b"3")

        ck.eq("append", c.append("added", b"45"), True)
        ck.eq("prepend", c.prepend("added", b"12"), True)
        ck.eq("after append/prepend", c.get("added"), b"12345")
        ck.eq("append missing", c.append("nope", b"x"), False)
        ck.eq("prepend missing", c.prepend("nope", b"x"), False)

        value, cas = c.gets("k1")
        ck.eq("gets value", value, b"v1")
        ck.true("gets cas is a positive int", isinstance(cas, bytes) and int(cas) > 0)
        ck.eq("cas wrong", c.cas("k1", b"v2", int(cas) + 1000), False)
        ck.eq("cas right", c.cas("k1", b"v2", cas), True)
        ck.eq("cas stale", c.cas("k1", b"v3", cas), False)
        ck.eq("cas missing", c.cas("nope", b"v3", cas), None)
        ck.eq("after cas", c.get("k1"), b"v2")
        ck.eq("gets miss", c.gets("nope"), (None, None))

        ck.eq("set counter", c.set("n", b"10"), True)
        ck.eq("incr", c.incr("n", 5), 15)
        ck.eq("decr", c.decr("n", 20), 0)
        ck.eq("incr missing", c.incr("nope", 1), None)
        ck.eq("decr missing", c.decr("nope", 1), None)
        ck.eq("incr big", c.incr("n", 18446744073709551615), 18446744073709551615)
        ck.eq("incr wraps", c.incr("n", 1), 0)
        ck.eq("set non-numeric", c.set("s", b"abc"), True)
        try:
            c.incr("s", 1)
            ck.true("incr on non-numeric raises", False)
        except MemcacheClientError as e:
            ck.true("incr non-numeric error text", "non-numeric" in str(e))

        ck.eq("delete", c.delete("k1"), True)
        ck.eq("delete missing", c.delete("k1"), False)
        ck.eq("get deleted", c.get("k1"), None)

        ck.eq("touch", c.touch("added", 100), True)
        ck.eq("touch missing", c.touch("nope", 100), False)

        # Unicode: values as UTF-8 bytes; keys with allow_unicode_keys.
        text = "h\u00e9llo w\u00f6rld \u2603 \U0001F600"
        ck.eq("set unicode", c.set("uni", text.encode("utf-8")), True)
        ck.eq("get unicode", c.get("uni").decode("utf-8"), text)
        uc = Client(addr, connect_timeout=5, timeout=5, default_noreply=False, allow_unicode_keys=True,
                    encoding="utf-8")
        ck.eq("set unicode key", uc.set("cl\u00e9", b"v"), True)
        ck.eq("get unicode key", uc.get("cl\u00e9"), b"v")
        uc.close()

        # Serialized objects travel with their flags.
        sc = Client(addr, connect_timeout=5, timeout=5, default_noreply=False, serde=serde.pickle_serde)
        obj = {"a": [1, 2, 3], "b": "\u00fc"}
        ck.eq("set pickled", sc.set("obj", obj), True)
        ck.eq("get pickled", sc.get("obj"), obj)
        ck.eq("set int", sc.set("int", 42), True)
        ck.eq("get int", sc.get("int"), 42)
        sc.close()

        # Large values: 500 KB round trip; 2 MB rejected by the server.
        big = bytes(range(256)) * 2000
        ck.eq("set 500KB", c.set("big", big), True)
        ck.eq("get 500KB", c.get("big") == big, True)
        try:
            r = c.set("huge", b"x" * (2 * 1024 * 1024))
            ck.eq("set 2MB", r, False)
        except MemcacheServerError as e:
            ck.true("set 2MB error text", "too large" in str(e))
        ck.eq("get 2MB", c.get("huge"), None)

        # noreply: returns immediately; effects visible afterwards.
        ck.eq("set noreply", c.set("nr", b"1", noreply=True), True)
        ck.eq("add noreply", c.add("nr", b"2", noreply=True), True)
        ck.eq("incr noreply", c.incr("nr", 4, noreply=True), None)
        ck.eq("after noreply", c.get("nr"), b"5")
        ck.eq("delete noreply", c.delete("nr", noreply=True), True)
        ck.eq("after delete noreply", c.get("nr"), None)
        ck.eq("set_many noreply", c.set_many({"q1": b"1", "q2": b"2"}, noreply=True), [])
        ck.eq("get_many after noreply", c.get_many(["q1", "q2"]), {"q1": b"1", "q2": b"2"})

        stats = c.stats()
        for name in (b"pid", b"uptime", b"version", b"curr_items", b"total_items", b"cmd_get", b"cmd_set",
                     b"get_hits", b"get_misses", b"curr_connections", b"bytes", b"limit_maxbytes", b"threads"):
            ck.true("stats has %s" % name.decode(), name in stats)
        ck.true("stats cmd_set counts sets", stats.get(b"cmd_set", 0) >= 20)
        ck.eq("stats limit_maxbytes", stats.get(b"limit_maxbytes"), 64 * 1024 * 1024)
        settings = c.stats("settings")
        ck.eq("stats settings item_size_max", settings.get(b"item_size_max"), 1024 * 1024)
        ck.true("stats settings has maxconns", b"maxconns" in settings)

        ck.eq("flush_all", c.flush_all(), True)
        ck.eq("get after flush", c.get_many(["m1", "added", "big"]), {})
        ck.eq("set after flush", c.set("after", b"ok"), True)
        ck.eq("get after flush+set", c.get("after"), b"ok")
    finally:
        c.close()


def main():
    binary = tandem_server.binary_from_argv()
    ck = tandem_server.Checker()
    try:
        with tandem_server.Server(binary) as srv:
            session(srv.port, ck)
    except Exception as e:  # a crash or an exception from the client is a failure
        import traceback
        traceback.print_exc()
        ck.failures.append("exception: %r" % (e,))
    return ck.finish("pymemcache against %s" % binary)


if __name__ == "__main__":
    sys.exit(main())
