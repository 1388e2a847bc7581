#!/usr/bin/env python3
"""Scripted session with python-memcached (Debian python3-memcache, module
`memcache`) against a memcached-compatible server. Usage:
python_memcached_test.py PATH_TO_BINARY. Exits 0 when every check passes."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tandem_server  # noqa: E402

tandem_server.reexec_with_system_python(["memcache"])

import memcache  # noqa: E402


def session(port, ck):
    server = "127.0.0.1:%d" % port
    mc = memcache.Client([server], socket_timeout=5, cache_cas=True, dead_retry=0)
    try:
        ck.eq("set", mc.set("k1", "v1"), True)
        ck.eq("get", mc.get("k1"), "v1")
        ck.eq("get miss", mc.get("nope"), None)
        ck.eq("set bytes", mc.set("b", b"\x00\x01\xff"), True)
        ck.eq("get bytes", mc.get("b"), b"\x00\x01\xff")

        ck.eq("set_multi", mc.set_multi({"m1": "a", "m2": "b", "m3": "c"}), [])
        ck.eq("get_multi", mc.get_multi(["m1", "m2", "m3", "missing"]), {"m1": "a", "m2": "b", "m3": "c"})
        ck.eq("get_multi prefix", mc.get_multi(["1", "2"], key_prefix="m"), {"1": "a", "2": "b"})

        ck.eq("add new", mc.add("added", "1"), True)
        ck.eq("add existing", mc.add("added", "2"), False)
        ck.eq("replace existing", mc.replace("added", "3"), True)
        ck.eq("replace missing", mc.replace("nope", "3"), False)
        ck.eq("append", mc.append("added", "45"), True)
        ck.eq("prepend", mc.prepend("added", "12"), True)
        ck.eq("after append/prepend", mc.get("added"), "12345")
        ck.eq("append missing", mc.append("nope", "x"), False)

        # gets remembers the CAS; cas() uses it.
        ck.eq("gets", mc.gets("k1"), "v1")
        ck.eq("cas right", mc.cas("k1", "v2"), True)
        ck.eq("after cas", mc.get("k1"), "v2")
        ck.eq("gets again", mc.gets("k1"), "v2")
        other = memcache.Client([server], socket_timeout=5)
        ck.eq("concurrent set", other.set("k1", "theirs"), True)
        ck.eq("cas stale", mc.cas("k1", "mine"), False)
        ck.eq("after stale cas", mc.get("k1"), "theirs")
        other.disconnect_all()

        # Integers are stored with a flag and come back as int.
        ck.eq("set int", mc.set("n", 10), True)
        ck.eq("get int", mc.get("n"), 10)
        ck.eq("incr", mc.incr("n", 5), 15)
        ck.eq("decr floor", mc.decr("n", 100), 0)
        ck.eq("incr default delta", mc.incr("n"), 1)
        ck.eq("incr missing", mc.incr("nope"), None)
        ck.eq("decr missing", mc.decr("nope"), None)
        ck.eq("set digits", mc.set("d", "99"), True)
        ck.eq("incr grows", mc.incr("d", 1), 100)
        ck.eq("get grown", mc.get("d"), "100")

        ck.eq("delete", mc.delete("k1"), 1)
        ck.eq("delete missing (python-memcached reports NOT_FOUND as 1)", mc.delete("k1"), 1)
        ck.eq("get deleted", mc.get("k1"), None)
        ck.eq("delete_multi", mc.delete_multi(["m1", "m2"]), 1)
        ck.eq("after delete_multi", mc.get_multi(["m1", "m2", "m3"]), {"m3": "c"})

        ck.eq("touch", mc.touch("added", 100), True)
        ck.eq("touch missing", mc.touch("nope", 100), False)

        text = "h\u00e9llo w\u00f6rld \u2603 \U0001F600"
        ck.eq("set unicode", mc.set("uni", text), True)
        ck.eq("get unicode", mc.get("uni"), text)
        obj = {"list": [1, 2.5, "three"], "nested": {"x": None}}
        ck.eq("set pickled", mc.set("obj", obj), True)
        ck.eq("get pickled", mc.get("obj"), obj)

        big = "x" * (500 * 1024)
        ck.eq("set 500KB", mc.set("big", big), True)
        ck.eq("get 500KB", mc.get("big") == big, True)
        big_bytes = bytes(range(256)) * 3000
        ck.eq("set 750KB bytes", mc.set("bigb", big_bytes), True)
        ck.eq("get 750KB bytes", mc.get("bigb") == big_bytes, True)

        ck.eq("set noreply", mc.set("nr", "1", noreply=True), True)
        ck.eq("incr noreply", mc.incr("nr", 4, noreply=True), None)
        ck.eq("after noreply", mc.get("nr"), "5")
        ck.eq("delete noreply", mc.delete("nr", noreply=True), 1)
        ck.eq("after delete noreply", mc.get("nr"), None)

        stats = mc.get_stats()
        ck.eq("get_stats servers", len(stats), 1)
        if stats:
            name, values = stats[0]
            for field in ("pid", "uptime", "version", "curr_items", "cmd_get", "cmd_set", "get_hits", "get_misses",
                          "curr_connections", "bytes", "limit_maxbytes", "threads"):
                ck.true("stats has %s" % field, field in values)
            ck.true("stats version looks like 1.x", values.get("version", "").startswith("1."))
            ck.eq("stats limit_maxbytes", values.get("limit_maxbytes"), str(64 * 1024 * 1024))
        settings = mc.get_stats("settings")
        ck.true("stats settings has item_size_max", bool(settings) and "item_size_max" in settings[0][1])
        items = mc.get_stats("items")
        ck.true("stats items lists a slab class", bool(items) and any(k.startswith("items:") for k in items[0][1]))
        # (get_slabs() itself is broken on Python 3 in python-memcached 1.59.)
        slabs = mc.get_stats("slabs")
        ck.true("stats slabs has active_slabs", bool(slabs) and "active_slabs" in slabs[0][1])

        mc.flush_all()
        ck.eq("get after flush", mc.get_multi(["m3", "added", "big", "uni"]), {})
        ck.eq("set after flush", mc.set("after", "ok"), True)
        ck.eq("get after flush+set", mc.get("after"), "ok")
    finally:
        mc.disconnect_all()


def main():
    binary = tandem_server.binary_from_argv()
    ck = tandem_server.Checker()
    try:
        with tandem_server.Server(binary) as srv:
            session(srv.port, ck)
    except Exception as e:
        import traceback
        traceback.print_exc()
        ck.failures.append("exception: %r" % (e,))
    return ck.finish("python-memcached against %s" % binary)


if __name__ == "__main__":
    sys.exit(main())
