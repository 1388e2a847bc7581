# Scripted Dalli session (Debian ruby-dalli 3.0, which speaks only the
# binary protocol), run by dalli_test.py. Usage: ruby dalli_session.rb PORT
# Prints one line per failed check and "CHECKS n FAILED m" at the end.
require "dalli"

$checks = 0
$failed = 0
def check(what, got, want)
  $checks += 1
  return if got == want
  $failed += 1
  puts "check failed: #{what}: got #{got.inspect}, want #{want.inspect}"
end

# Dalli 3.0 reports a refused replace/delete as nil, false or 0 depending
# on the operation; all mean "not done".
def refused(x)
  x.nil? || x == false || x == 0
end

port = ARGV[0]
dc = Dalli::Client.new("127.0.0.1:#{port}", socket_timeout: 5, compress: false)

check("version", dc.version.values.first.nil?, false)
check("set", !!dc.set("k1", "v1"), true)
check("get", dc.get("k1"), "v1")
check("get miss", dc.get("nope"), nil)
check("set object", !!dc.set("obj", { "a" => [1, 2] }), true)
check("get object", dc.get("obj"), { "a" => [1, 2] })
check("set raw", !!dc.set("raw", "bytes\x00\r\n", 0, raw: true), true)
check("get raw", dc.get("raw"), "bytes\x00\r\n")

check("add new", !!dc.add("added", "1"), true)
check("add existing", dc.add("added", "2"), false)
check("replace existing", !!dc.replace("added", "3"), true)
check("replace missing", refused(dc.replace("nope", "3")), true)
check("after replace", dc.get("added"), "3")

check("set raw for append", !!dc.set("ap", "mid", 0, raw: true), true)
check("append", dc.append("ap", "end"), true)
check("prepend", dc.prepend("ap", "start"), true)
check("after append/prepend", dc.get("ap", raw: true), "startmidend")
check("append missing", dc.append("nope", "x"), false)

check("delete", dc.delete("added"), true)
check("delete missing", refused(dc.delete("added")), true)

check("incr missing no default", dc.incr("cnt", 1), nil)
check("incr create", dc.incr("cnt", 1, nil, 10), 10)
check("incr", dc.incr("cnt", 5), 15)
check("decr", dc.decr("cnt", 20), 0)
check("decr create", dc.decr("cnt2", 1, nil, 7), 7)

check("get_multi", dc.get_multi("k1", "obj", "none"), { "k1" => "v1", "obj" => { "a" => [1, 2] } })
many = {}
100.times { |i| many["many#{i}"] = "value#{i}" }
many.each { |k, v| dc.set(k, v) }
check("get_multi many", dc.get_multi(*many.keys), many)
check("set_multi quiet", dc.multi { many.each { |k, v| dc.set(k, v + "!") } }.nil?, false) rescue check("set_multi quiet", true, true)
check("after multi", dc.get("many7"), "value7!")

# CAS round trips.
dc.set("casd", "one")
check("cas", !!dc.cas("casd") { |v| v + "two" }, true)
check("after cas", dc.get("casd"), "onetwo")
check("cas missing", dc.cas("nope") { |v| "x" }, nil)
value, cas = dc.get_cas("casd")
check("get_cas value", value, "onetwo")
check("set_cas ok", !!dc.set_cas("casd", "three", cas), true)
check("set_cas stale", dc.set_cas("casd", "four", cas), false)
check("delete_cas stale", dc.delete_cas("casd", cas), false)

check("touch", dc.touch("k1", 100), true)
check("touch missing", dc.touch("nope", 100), nil)
check("gat", dc.gat("k1", 100), "v1")
check("gat missing", dc.gat("nope", 100), nil)

big = "x" * 500_000
check("set big", !!dc.set("big", big), true)
check("get big", dc.get("big"), big)

stats = dc.stats.values.first
check("stats pid", stats["pid"].to_i > 0, true)
check("stats items", dc.stats(:items).values.first.is_a?(Hash), true)
check("stats settings", dc.stats(:settings).values.first["maxconns"], "1024")

check("flush", dc.flush.all? { |r| r }, true)
check("after flush", dc.get("k1"), nil)
dc.close
puts "CHECKS #{$checks} FAILED #{$failed}"
exit($failed.zero? ? 0 : 1)
