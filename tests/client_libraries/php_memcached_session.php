<?php
// Scripted php-memcached (libmemcached) session, run by
// php_memcached_test.py. Usage: php php_memcached_session.php PORT BINARY(0|1)
// Prints one line per failed check and "CHECKS n FAILED m" at the end.
$port = intval($argv[1]);
$binary = $argv[2] === "1";
$failed = 0;
$checks = 0;
function check($what, $got, $want) {
  global $failed, $checks;
  $checks++;
  if ($got !== $want) {
    $failed++;
    echo "check failed: $what: got " . var_export($got, true) . ", want " . var_export($want, true) . "\n";
  }
}

$m = new Memcached();
$m->setOption(Memcached::OPT_BINARY_PROTOCOL, $binary);
$m->setOption(Memcached::OPT_COMPRESSION, false);
$m->setOption(Memcached::OPT_CONNECT_TIMEOUT, 5000);
$m->setOption(Memcached::OPT_RECV_TIMEOUT, 5000000);
$m->setOption(Memcached::OPT_SEND_TIMEOUT, 5000000);
$m->addServer("127.0.0.1", $port);

$versions = $m->getVersion();
check("version", is_array($versions) && count($versions) == 1, true);

check("set", $m->set("k1", "v1"), true);
check("get", $m->get("k1"), "v1");
check("get miss", $m->get("nope"), false);
check("get miss code", $m->getResultCode(), Memcached::RES_NOTFOUND);

// Types go through flags: ints, floats, bools, arrays (serialized).
check("set int", $m->set("int", 42), true);
check("get int", $m->get("int"), 42);
check("set array", $m->set("arr", array("a" => 1, "b" => array(2, 3))), true);
check("get array", $m->get("arr"), array("a" => 1, "b" => array(2, 3)));
check("set bool", $m->set("bool", true), true);
check("get bool", $m->get("bool"), true);

check("setMulti", $m->setMulti(array("m1" => "a", "m2" => "b", "m3" => "c")), true);
check("getMulti", $m->getMulti(array("m1", "m2", "m3", "missing")), array("m1" => "a", "m2" => "b", "m3" => "c"));

check("add new", $m->add("added", "1"), true);
check("add existing", $m->add("added", "2"), false);
// memcached's binary add answers "key exists", the text one NOT_STORED.
check("add existing code", $m->getResultCode(), $binary ? Memcached::RES_DATA_EXISTS : Memcached::RES_NOTSTORED);
check("replace existing", $m->replace("added", "3"), true);
check("replace missing", $m->replace("nope", "3"), false);
check("after replace", $m->get("added"), "3");

check("append", $m->append("added", "45"), true);
check("prepend", $m->prepend("added", "12"), true);
check("after append/prepend", $m->get("added"), "12345");
check("append missing", $m->append("nope", "x"), false);

check("delete", $m->delete("added"), true);
check("delete missing", $m->delete("added"), false);
check("delete missing code", $m->getResultCode(), Memcached::RES_NOTFOUND);

check("set counter", $m->set("cnt", "10"), true);
check("increment", $m->increment("cnt", 5), 15);
check("decrement", $m->decrement("cnt", 20), 0);
check("increment missing", $m->increment("nocnt", 1), false);
if ($binary) {
  // Binary only: create on miss with an initial value.
  check("increment initial", $m->increment("newcnt", 1, 100, 0), 100);
  check("increment after initial", $m->increment("newcnt", 1, 100, 0), 101);
}
check("set text", $m->set("txt", "abc"), true);
check("increment non-numeric", $m->increment("txt", 1), false);

// CAS round trip.
$m->set("casd", "one");
$r = $m->get("casd", null, Memcached::GET_EXTENDED);
check("gets value", $r["value"], "one");
check("cas ok", $m->cas($r["cas"], "casd", "two"), true);
check("cas stale", $m->cas($r["cas"], "casd", "three"), false);
check("cas stale code", $m->getResultCode(), Memcached::RES_DATA_EXISTS);
check("after cas", $m->get("casd"), "two");

check("touch", $m->touch("casd", 100), true);
check("touch missing", $m->touch("nope", 100), false);

// A value near 1 MB and one over the limit.
$big = str_repeat("x", 1000000);
check("set big", $m->set("big", $big), true);
check("get big", $m->get("big"), $big);
check("set too large", $m->set("toolarge", str_repeat("y", 2 * 1024 * 1024)), false);

// Many keys in one multi-get (quiet getkq pipeline in binary mode).
$many = array();
for ($i = 0; $i < 200; $i++) $many["many$i"] = "value$i";
check("setMulti many", $m->setMulti($many), true);
$keys = array_keys($many);
$keys[] = "absent";
check("getMulti many", $m->getMulti($keys), $many);

$stats = $m->getStats();
$s = reset($stats);
check("stats pid", isset($s["pid"]) && $s["pid"] > 0, true);
check("stats curr_items", isset($s["curr_items"]) && $s["curr_items"] > 0, true);

check("flush", $m->flush(), true);
check("after flush", $m->get("k1"), false);

$m->quit();
echo "CHECKS $checks FAILED $failed\n";
exit($failed == 0 ? 0 : 1);
