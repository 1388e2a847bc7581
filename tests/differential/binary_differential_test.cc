// Binary protocol differential tests: each case's request packets go to real
// memcached and to tandemd started with the same flags, and the response
// streams must be byte-identical except for what legitimately differs:
// every response's CAS (8 bytes at offset 16 of its header), the body of a
// successful `version`, and the values of `stat` packets (names and packet
// shapes are compared; values and, within one stat run, order are not).
// Whether the server closed the connection is compared too.
//
// Cases are written in C++ with small packet builders (below) rather than
// as hex text: a binary header is 24 bytes of fields, and a builder keeps
// each case one readable line. Malformed headers use Raw().
//
// Each case runs on a fresh connection after a flush_all. Unless a case says
// otherwise, a NOOP with a private opaque follows its bytes; the NOOP's
// reply marks the end of the case's replies (and flushes quiet replies).
// A case may have several steps; a step marked UseLastCas gets, in its first
// request, the last nonzero CAS its server returned, so CAS round trips work
// against both servers although their CAS values differ.
//
// Environment: TANDEM_DIFF_TARGET / TANDEM_DIFF_REFERENCE as in
// differential_test.cc (point the target at memcached to check the cases),
// and TANDEM_DIFF_TLS for CasesOverTls (a quarter of the cases with both
// servers under -Z, over TLS; tests/support/tls_mode.h).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "protocol/binary_encoder.h"
#include "tests/support/raw_socket.h"
#include "tests/support/server_process.h"
#include "tests/support/tls_mode.h"

namespace tandem::testing {
namespace {

namespace b = tandem::protocol::binary;

// ---------------------------------------------------------------------------
// Packet builders.
// ---------------------------------------------------------------------------

constexpr uint32_t kSentinelOpaque = 0x5e771e00;
constexpr uint64_t kNoCreate32 = 0xffffffff;

std::string Req(uint8_t op, std::string_view key = {}, std::string_view value = {},
                std::string_view extras = {}, uint64_t cas = 0, uint32_t opaque = 0) {
  std::string out;
  b::AppendRequest(&out, op, opaque, cas, extras, key, value);
  return out;
}

// A header with arbitrary lengths, followed by `rest` verbatim.
std::string Raw(uint8_t op, uint16_t keylen, uint8_t extlen, uint32_t bodylen, std::string_view rest = {},
                uint8_t magic = 0x80, uint32_t opaque = 0) {
  std::string out;
  out.push_back(static_cast<char>(magic));
  out.push_back(static_cast<char>(op));
  b::AppendBe16(&out, keylen);
  out.push_back(static_cast<char>(extlen));
  out.push_back(0);
  b::AppendBe16(&out, 0);
  b::AppendBe32(&out, bodylen);
  b::AppendBe32(&out, opaque);
  b::AppendBe64(&out, 0);
  out.append(rest);
  return out;
}

std::string StoreExtras(uint32_t flags, uint32_t exptime) {
  std::string e;
  b::AppendBe32(&e, flags);
  b::AppendBe32(&e, exptime);
  return e;
}
std::string ArithExtras(uint64_t delta, uint64_t initial, uint32_t exptime) {
  std::string e;
  b::AppendBe64(&e, delta);
  b::AppendBe64(&e, initial);
  b::AppendBe32(&e, exptime);
  return e;
}
std::string U32(uint32_t v) {
  std::string e;
  b::AppendBe32(&e, v);
  return e;
}

std::string Get(std::string_view k, uint32_t opaque = 0) { return Req(0x00, k, {}, {}, 0, opaque); }
std::string GetQ(std::string_view k, uint32_t opaque = 0) { return Req(0x09, k, {}, {}, 0, opaque); }
std::string GetK(std::string_view k) { return Req(0x0c, k); }
std::string GetKQ(std::string_view k) { return Req(0x0d, k); }
std::string Set(std::string_view k, std::string_view v, uint32_t flags = 0, uint32_t exp = 0, uint64_t cas = 0) {
  return Req(0x01, k, v, StoreExtras(flags, exp), cas);
}
std::string SetQ(std::string_view k, std::string_view v, uint32_t flags = 0, uint32_t exp = 0) {
  return Req(0x11, k, v, StoreExtras(flags, exp));
}
std::string Add(std::string_view k, std::string_view v, uint64_t cas = 0) {
  return Req(0x02, k, v, StoreExtras(0, 0), cas);
}
std::string AddQ(std::string_view k, std::string_view v) { return Req(0x12, k, v, StoreExtras(0, 0)); }
std::string Replace(std::string_view k, std::string_view v, uint64_t cas = 0) {
  return Req(0x03, k, v, StoreExtras(7, 0), cas);
}
std::string ReplaceQ(std::string_view k, std::string_view v) { return Req(0x13, k, v, StoreExtras(7, 0)); }
std::string Append(std::string_view k, std::string_view v, uint64_t cas = 0) { return Req(0x0e, k, v, {}, cas); }
std::string AppendQ(std::string_view k, std::string_view v) { return Req(0x19, k, v); }
std::string Prepend(std::string_view k, std::string_view v, uint64_t cas = 0) { return Req(0x0f, k, v, {}, cas); }
std::string PrependQ(std::string_view k, std::string_view v) { return Req(0x1a, k, v); }
std::string Delete(std::string_view k, uint64_t cas = 0) { return Req(0x04, k, {}, {}, cas); }
std::string DeleteQ(std::string_view k) { return Req(0x14, k); }
std::string Incr(std::string_view k, uint64_t d, uint64_t init = 0, uint32_t exp = 0, uint64_t cas = 0) {
  return Req(0x05, k, {}, ArithExtras(d, init, exp), cas);
}
std::string IncrQ(std::string_view k, uint64_t d, uint64_t init = 0, uint32_t exp = 0) {
  return Req(0x15, k, {}, ArithExtras(d, init, exp));
}
std::string Decr(std::string_view k, uint64_t d, uint64_t init = 0, uint32_t exp = 0) {
  return Req(0x06, k, {}, ArithExtras(d, init, exp));
}
std::string DecrQ(std::string_view k, uint64_t d, uint64_t init = 0, uint32_t exp = 0) {
  return Req(0x16, k, {}, ArithExtras(d, init, exp));
}
std::string Touch(std::string_view k, uint32_t exp) { return Req(0x1c, k, {}, U32(exp)); }
std::string Gat(std::string_view k, uint32_t exp) { return Req(0x1d, k, {}, U32(exp)); }
std::string GatQ(std::string_view k, uint32_t exp) { return Req(0x1e, k, {}, U32(exp)); }
std::string GatK(std::string_view k, uint32_t exp) { return Req(0x23, k, {}, U32(exp)); }
std::string GatKQ(std::string_view k, uint32_t exp) { return Req(0x24, k, {}, U32(exp)); }
std::string Noop(uint32_t opaque = 0) { return Req(0x0a, {}, {}, {}, 0, opaque); }
std::string Version() { return Req(0x0b); }
std::string Quit() { return Req(0x07); }
std::string QuitQ() { return Req(0x17); }
std::string Flush(uint32_t opaque = 0) { return Req(0x08, {}, {}, {}, 0, opaque); }
std::string FlushQ() { return Req(0x18); }
std::string FlushDelay(uint32_t delay) { return Req(0x08, {}, {}, U32(delay)); }
std::string Stat(std::string_view group = {}) { return Req(0x10, group); }

template <typename... Parts>
std::string Cat(const Parts&... parts) {
  return absl::StrCat(parts...);
}

// ---------------------------------------------------------------------------
// Cases.
// ---------------------------------------------------------------------------

enum class End : uint8_t {
  kSentinel,  // a NOOP follows; read up to its reply
  kClose,     // the server closes; read until it does
  kQuiet,     // read until 300 ms pass without a byte
};

struct Step {
  std::string bytes;
  bool use_last_cas = false;
};

struct Case {
  std::string name;
  std::string flags;  // server flags ("" = defaults)
  std::vector<Step> steps;
  End end = End::kSentinel;
  // Run on a server pair of its own (for reports that show what earlier
  // cases left behind, such as slab pages).
  bool fresh = false;
};

// gtest prints a failing parameter with this instead of raw bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

Case Fresh(Case c) {
  c.fresh = true;
  return c;
}

// memcached -I 64k (slab_chunk_max must not exceed -I).
constexpr char kSmallItems[] = "-I 64k -o slab_chunk_max=32768";

Case C(std::string name, std::string bytes, End end = End::kSentinel) {
  return Case{std::move(name), "", {Step{std::move(bytes)}}, end};
}
Case CF(std::string name, std::string flags, std::string bytes, End end = End::kSentinel) {
  return Case{std::move(name), std::move(flags), {Step{std::move(bytes)}}, end};
}
// Two steps: the second's first request carries the CAS of the first's replies.
Case CasCase(std::string name, std::string first, std::string second) {
  return Case{std::move(name), "", {Step{std::move(first)}, Step{std::move(second), true}}, End::kSentinel};
}

std::vector<Case> AllCases() {
  const std::string big(1024 * 1024 + 1, 'x');
  const std::string almost(1024 * 1024 - 20, 'y');
  const std::string k250(250, 'k');
  const std::string k251(251, 'k');
  std::vector<Case> v = {
      // --- get family ------------------------------------------------------
      C("get_miss", Get("nokey")),
      C("get_hit", Cat(Set("a", "hello", 42), Get("a"))),
      C("get_hit_opaque", Cat(Set("a", "hello"), Get("a", 0xdeadbeef))),
      C("get_empty_value", Cat(Set("e", ""), Get("e"))),
      C("get_binary_value", Cat(Set("bin", std::string("\0\r\n\x80\xff", 5)), Get("bin"))),
      C("get_max_flags", Cat(Set("f", "v", 0xffffffff), Get("f"))),
      C("getq_miss_silent", Cat(GetQ("nokey"), GetQ("nokey2"))),
      C("getq_hit_sent", Cat(Set("a", "1"), GetQ("a"), GetQ("missing"))),
      C("getk_hit", Cat(Set("key1", "val"), GetK("key1"))),
      C("getk_miss_echoes_key", GetK("nokey")),
      C("getkq_mixed", Cat(Set("x", "1"), GetKQ("x"), GetKQ("y"), GetKQ("x"))),
      C("get_key_250", Cat(Set(k250, "v"), Get(k250))),
      C("multiget_pipeline", Cat(Set("m1", "a"), Set("m2", "bb"), GetKQ("m1"), GetKQ("m0"), GetKQ("m2"), GetK("m3"))),
      C("get_large_value", Cat(Set("large", almost), Get("large"))),
      C("get_after_delete", Cat(Set("a", "1"), Delete("a"), Get("a"))),
      // --- set / add / replace -----------------------------------------------
      C("set_basic", Set("a", "b")),
      C("set_with_flags_exptime", Cat(Set("a", "b", 123, 100), Get("a"))),
      C("set_overwrite", Cat(Set("a", "one"), Set("a", "two"), Get("a"))),
      C("setq_silent", Cat(SetQ("a", "one"), SetQ("b", "two"), Get("a"), Get("b"))),
      C("set_negative_exptime", Cat(Set("a", "b", 0, 0xffffffff), Get("a"))),
      C("set_expired_absolute", Cat(Set("a", "b", 0, 1000), Get("a"))),
      C("add_new", Cat(Add("a", "1"), Get("a"))),
      C("add_exists", Cat(Set("a", "1"), Add("a", "2"), Get("a"))),
      C("addq_exists_error_sent", Cat(Set("a", "1"), AddQ("a", "2"))),
      C("addq_new_silent", Cat(AddQ("n", "2"), Get("n"))),
      C("replace_missing", Replace("a", "1")),
      C("replace_existing", Cat(Set("a", "1"), Replace("a", "2"), Get("a"))),
      C("replaceq_missing_error", ReplaceQ("nope", "1")),
      C("replaceq_existing_silent", Cat(Set("a", "1"), ReplaceQ("a", "3"), Get("a"))),
      C("set_too_large", Cat(Set("big", big), Get("big"))),
      C("set_too_large_drops_old", Cat(Set("big", "small"), Set("big", big), Get("big"))),
      C("setq_too_large_error", SetQ("big", big)),
      C("add_too_large", Add("big", big)),
      C("set_near_limit_too_large", Cat(Set("big", std::string(1024 * 1024 - 10, 'z')), Get("big"))),
      C("set_bytewise_pipeline", Cat(Set("p", "1"), Set("q", "2"), GetK("p"), GetK("q"))),
      // --- CAS -----------------------------------------------------------------
      C("set_cas_missing", Set("a", "1", 0, 0, 12345)),
      C("set_cas_mismatch", Cat(Set("a", "1"), Set("a", "2", 0, 0, 999999999), Get("a"))),
      CasCase("set_cas_match", Set("a", "1"), Cat(Set("a", "2"), Get("a"))),
      CasCase("replace_cas_match", Set("a", "1"), Cat(Replace("a", "2"), Get("a"))),
      C("add_with_cas_missing", Add("a", "1", 5)),
      C("add_with_cas_mismatch", Cat(Set("a", "1"), Add("a", "2", 77777777))),
      CasCase("add_with_cas_match", Set("a", "1"), Cat(Add("a", "2"), Get("a"))),
      C("append_cas_mismatch", Cat(Set("a", "1"), Append("a", "2", 88888888), Get("a"))),
      CasCase("append_cas_match", Set("a", "1"), Cat(Append("a", "2"), Get("a"))),
      C("delete_cas_mismatch", Cat(Set("a", "1"), Delete("a", 99999999), Get("a"))),
      CasCase("delete_cas_match", Set("a", "1"), Cat(Delete("a"), Get("a"))),
      C("delete_cas_missing", Delete("a", 5)),
      CasCase("gets_then_set_cas", Cat(Set("a", "1"), Get("a")), Cat(Set("a", "3"), Get("a"))),
      C("incr_cas_mismatch", Cat(Set("n", "5"), Incr("n", 1, 0, 0, 4444444), Get("n"))),
      CasCase("incr_cas_match", Set("n", "5"), Cat(Incr("n", 1), Get("n"))),
      CasCase("cas_stale_after_update", Set("a", "1"), Cat(Set("a", "2"), Set("a", "3"))),
      // --- append / prepend ----------------------------------------------------
      C("append_missing", Append("a", "x")),
      C("prepend_missing", Prepend("a", "x")),
      C("append_existing", Cat(Set("a", "mid", 9), Append("a", "end"), Get("a"))),
      C("prepend_existing", Cat(Set("a", "mid", 9), Prepend("a", "start"), Get("a"))),
      C("appendq_silent", Cat(Set("a", "1"), AppendQ("a", "2"), PrependQ("a", "0"), Get("a"))),
      C("appendq_missing_error", AppendQ("nope", "2")),
      C("prependq_missing_error", PrependQ("nope", "2")),
      C("append_empty", Cat(Set("a", "1"), Append("a", ""), Get("a"))),
      C("append_too_large_value", Cat(Set("a", "1"), Append("a", big), Get("a"))),
      C("append_grows_past_limit", Cat(Set("a", almost), Append("a", std::string(100, 'q')), Get("a"))),
      // --- delete ----------------------------------------------------------------
      C("delete_missing", Delete("a")),
      C("delete_existing", Cat(Set("a", "1"), Delete("a"), Get("a"))),
      C("deleteq_existing_silent", Cat(Set("a", "1"), DeleteQ("a"), Get("a"))),
      C("deleteq_missing_error", DeleteQ("a")),
      // --- incr / decr -----------------------------------------------------------
      C("incr_existing", Cat(Set("n", "10"), Incr("n", 5), Get("n"))),
      C("decr_existing", Cat(Set("n", "10"), Decr("n", 3), Get("n"))),
      C("decr_below_zero", Cat(Set("n", "3"), Decr("n", 10), Get("n"))),
      C("incr_wraps", Cat(Set("n", "18446744073709551615"), Incr("n", 2), Get("n"))),
      C("incr_miss_creates", Cat(Incr("c", 5, 100, 0), Get("c"), Incr("c", 5, 100, 0))),
      C("decr_miss_creates", Cat(Decr("c", 5, 7, 0), Get("c"))),
      C("incr_miss_no_create", Cat(Incr("c", 5, 100, kNoCreate32), Get("c"))),
      C("decr_miss_no_create", Decr("c", 5, 100, kNoCreate32)),
      C("incr_non_numeric", Cat(Set("a", "abc"), Incr("a", 1))),
      C("incr_empty_value", Cat(Set("a", ""), Incr("a", 1))),
      C("incr_shrink_pads", Cat(Set("n", "100"), Decr("n", 95), Get("n"), Incr("n", 1000), Get("n"))),
      C("incr_leading_spaces", Cat(Set("n", "12 "), Incr("n", 1), Get("n"))),
      C("incrq_silent", Cat(Set("n", "1"), IncrQ("n", 1), IncrQ("n", 1), Get("n"))),
      C("incrq_miss_error", IncrQ("n", 1, 0, kNoCreate32)),
      C("decrq_create_silent", Cat(DecrQ("n", 1, 50, 0), Get("n"))),
      C("incr_large_initial", Cat(Incr("n", 1, 0xffffffffffffffffULL, 0), Get("n"))),
      C("incr_keeps_flags", Cat(Set("n", "1", 77), Incr("n", 1), Get("n"))),
      C("incr_created_with_exptime", Cat(Incr("n", 1, 3, 100), Get("n"))),
      // --- touch / gat -----------------------------------------------------------
      C("touch_miss", Touch("a", 10)),
      C("touch_hit", Cat(Set("a", "v", 5), Touch("a", 10))),
      C("touch_expire_now", Cat(Set("a", "v"), Touch("a", 0xffffffff), Get("a"))),
      C("gat_hit", Cat(Set("a", "val", 3), Gat("a", 100))),
      C("gat_miss", Gat("a", 100)),
      C("gatq_miss_silent", Cat(GatQ("a", 100), GatQ("b", 100))),
      C("gatq_hit_sent", Cat(Set("a", "v"), GatQ("a", 100))),
      C("gatk_hit", Cat(Set("a", "v"), GatK("a", 100))),
      C("gatk_miss", GatK("zz", 100)),
      C("gatkq_mixed", Cat(Set("a", "v"), GatKQ("a", 1), GatKQ("b", 1))),
      C("gat_negative_expires", Cat(Set("a", "1"), Gat("a", 0xffffffff), Get("a"))),
      C("gat_keeps_value_changes_ttl", Cat(Set("a", "val", 9, 1000), Gat("a", 0), Get("a"))),
      // touch reads only extras and key: the rest of its body is parsed as
      // the next request (here a NOOP).
      C("touch_body_rest_is_next_request", Cat(Set("a", "1"), Req(0x1c, "a", Noop(77), U32(5)))),
      // --- noop / version / quit / flush -------------------------------------------
      C("noop", Noop(7)),
      C("noop_pipeline", Cat(Noop(1), Noop(2), Noop(3))),
      C("version", Version()),
      C("quit", Cat(Quit(), Noop()), End::kClose),
      C("quitq", Cat(QuitQ(), Noop()), End::kClose),
      C("quit_after_set", Cat(Set("a", "1"), Quit()), End::kClose),
      C("flush", Cat(Set("a", "1"), Flush(5), Get("a"))),
      C("flushq_silent", Cat(Set("a", "1"), FlushQ(), Get("a"))),
      C("flush_delay", Cat(Set("a", "1"), FlushDelay(100), Get("a"))),
      C("flush_bad_extras", Req(0x08, {}, {}, "12"), End::kClose),
      // --- stat ----------------------------------------------------------------
      C("stat_general", Stat()),
      C("stat_settings", Stat("settings")),
      C("stat_settings_prefix", Stat("settingsxyz")),
      C("stat_items_empty", Stat("items")),
      C("stat_items", Cat(Set("a", "1"), Stat("items"))),
      Fresh(C("stat_slabs", Cat(Set("a", "1"), Stat("slabs")))),
      C("stat_sizes", Stat("sizes")),
      C("stat_reset", Stat("reset")),
      C("stat_reset_prefix", Cat(Stat("resetfoo"), Stat("settingsfoo"))),
      C("stat_items_trailing_space", Stat("items ")),
      C("stat_extstore_not_found", Stat("extstore")),
      C("stat_cachedump_not_found", Stat("cachedump 1 0")),
      C("stat_key_too_long_closes", Stat(k251), End::kClose),
      Fresh(C("stat_sizes_enable_disable", Cat(Stat("sizes_enable"), Set("s", "v"), Stat("sizes"), Stat("sizes_disable"), Noop(2)))),
      C("stat_detail_dump_records", Cat(Stat("detail on"), Set("p:a", "1"), Get("p:a"), Get("p:b"), Delete("p:a"),
                                       Stat("detail dump"), Stat("detail off"))),
      C("stat_unknown", Stat("bogus")),
      C("stat_conns_not_found", Stat("conns")),
      C("stat_detail_on_off", Cat(Stat("detail on"), Stat("detail off"))),
      C("stat_detail_bad", Stat("detail xyz")),
      C("stat_detail_dump_empty", Stat("detail dump")),
      C("stat_with_extras_closes", Req(0x10, {}, {}, "abcd"), End::kClose),
      // --- unknown opcodes, sasl, verbosity ------------------------------------------
      C("unknown_opcode", Req(0x30)),
      C("unknown_opcode_with_body", Req(0x45, {}, "0123456789")),
      C("unknown_opcode_high", Req(0xff)),
      // Unknown opcodes swallow bodylen bytes *after* extras and key: here
      // the 4 extras bytes eat the start of the next request, which then
      // never completes. Quiet end: neither server answers the NOOP.
      C("verbosity_unknown_eats_next_bytes", Cat(Req(0x1b, {}, {}, U32(1)), Noop(5)), End::kQuiet),
      C("verbosity_unknown_then_padding", Cat(Req(0x1b, {}, {}, U32(1)), "PADD")),
      C("sasl_list_mechs", Req(0x20)),
      C("sasl_list_mechs_with_body_closes", Req(0x20, {}, "xx"), End::kClose),
      C("getq_hit_then_quit", Cat(Set("a", "1"), GetQ("a"), Quit()), End::kClose),
      C("quiet_miss_then_stat", Cat(GetQ("a"), Stat("items"))),
      C("sasl_auth_unsupported", Req(0x21, "PLAIN", std::string("\0u\0p", 4))),
      C("sasl_step_unsupported", Req(0x22, "PLAIN", "xyz")),
      C("opaque_echo_error", Req(0x04, "missing", {}, {}, 0, 0x01020304)),
      // --- malformed headers: memcached closes ----------------------------------------
      C("key_too_long", Get(k251), End::kClose),
      C("set_key_too_long", Set(k251, "v"), End::kClose),
      C("keylen_exceeds_body", Raw(0x00, 5, 0, 2, "abcde"), End::kClose),
      C("extlen_exceeds_body", Raw(0x00, 1, 8, 4, "12345678k"), End::kClose),
      C("get_with_extras", Req(0x00, "k", {}, "1234"), End::kClose),
      C("get_empty_key", Req(0x00), End::kClose),
      C("get_with_value", Req(0x00, "k", "v"), End::kClose),
      C("set_no_extras", Req(0x01, "k", "v"), End::kClose),
      C("set_empty_key", Req(0x01, {}, "v", StoreExtras(0, 0)), End::kClose),
      C("delete_with_extras", Req(0x04, "k", {}, "1234"), End::kClose),
      C("incr_short_extras", Req(0x05, "k", {}, "12345678"), End::kClose),
      C("incr_with_value", Req(0x05, "k", "1", ArithExtras(1, 0, 0)), End::kClose),
      C("touch_no_extras", Req(0x1c, "k"), End::kClose),
      C("noop_with_body", Req(0x0a, "k"), End::kClose),
      C("version_with_body", Req(0x0b, {}, "x"), End::kClose),
      C("quit_with_key", Req(0x07, "k"), End::kClose),
      C("append_with_extras", Req(0x0e, "k", "v", "1234"), End::kClose),
      C("append_empty_key", Req(0x0e, {}, "v"), End::kClose),
      // Auto-negotiation: only 0x80 means binary, so a response magic
      // makes the connection a text one (waiting for a newline).
      C("response_magic_first_is_text", Raw(0x00, 0, 0, 0, {}, 0x81), End::kQuiet),
      CF("B_binary_bad_magic_closes", "-B binary", Raw(0x00, 0, 0, 0, {}, 0x81), End::kClose),
      CF("B_binary_short_text_waits", "-B binary", "version\r\n", End::kQuiet),
      C("bad_magic_after_noop", Cat(Noop(1), Raw(0x0a, 0, 0, 0, {}, 0x00)), End::kClose),
      C("error_then_close_keeps_earlier_replies", Cat(Set("a", "1"), Noop(3), Get(k251)), End::kClose),
      // --- pipelines and framing ---------------------------------------------------------
      C("pipeline_mixed_quiet", Cat(SetQ("a", "1"), SetQ("b", "2"), GetKQ("a"), GetKQ("c"), GetKQ("b"), Noop(9))),
      C("pipeline_errors_in_quiet", Cat(AddQ("a", "1"), AddQ("a", "2"), ReplaceQ("z", "3"), DeleteQ("z"), Noop())),
      C("split_header_across_sends", Cat(Set("a", "1"), Get("a"))),
      C("text_then_nothing_on_auto", "version\r\n", End::kQuiet),
      // --- -B and other flags --------------------------------------------------------------
      CF("B_binary_text_closes", "-B binary", Cat("version\r\n", std::string(20, 'x')), End::kClose),
      CF("B_binary_get", "-B binary", Cat(Set("a", "1"), Get("a"))),
      CF("B_ascii_binary_is_error", "-B ascii", Cat(Version(), "\r\n"), End::kQuiet),
      CF("B_auto_text", "-B auto", "version\r\n", End::kQuiet),
      CF("C_no_cas_get", "-C", Cat(Set("a", "1"), Get("a"))),
      CF("C_no_cas_set_with_cas_is_plain", "-C", Cat(Set("a", "1"), Set("a", "2", 0, 0, 12345), Get("a"))),
      CF("F_flush_disabled", "-F", Cat(Set("a", "1"), Flush(), FlushQ(), Get("a"))),
      CF("I_small_item_limit", kSmallItems, Cat(Set("a", std::string(70000, 'v')), Set("b", std::string(1000, 'v')), GetK("b"))),
      CF("I_small_item_limit_near", kSmallItems, Cat(Set("a", std::string(65536 - 70, 'v')), Get("a"), Set("a", std::string(65536 - 60, 'v')), Get("a"))),
      CF("I_small_item_limit_append", kSmallItems, Cat(Set("a", std::string(60000, 'v')), Append("a", std::string(6000, 'w')), Get("a"))),
      CF("I_small_item_limit_setq_swallows", kSmallItems, Cat(SetQ("a", std::string(70000, 'v')), GetK("a"), Noop(4))),
  };
  return v;
}

// ---------------------------------------------------------------------------
// Running a case and normalizing the replies.
// ---------------------------------------------------------------------------

struct Reply {
  std::string bytes;
  bool closed = false;
  bool timed_out = false;
  std::string error;
};

uint32_t ReadBe32(std::string_view s, size_t off) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(s[off + i]);
  return v;
}
uint64_t ReadBe64(std::string_view s, size_t off) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(s[off + i]);
  return v;
}

// Reads whole response packets until the sentinel NOOP's reply, a close or
// the timeout. Records the last nonzero CAS seen.
void ReadPackets(RawSocket& sock, bool until_sentinel, Reply* r, uint64_t* last_cas) {
  const absl::Duration timeout = absl::Seconds(3);
  while (true) {
    auto header = sock.ReadExactly(24, timeout);
    if (!header.ok()) {
      r->bytes += sock.ReadAvailable(absl::Milliseconds(50), absl::Milliseconds(200));
      if (sock.peer_closed()) {
        r->closed = true;
      } else if (until_sentinel) {
        r->timed_out = true;
      }
      return;
    }
    r->bytes += *header;
    if (static_cast<uint8_t>((*header)[0]) != b::kResponseMagic) {
      r->bytes += sock.ReadAvailable(absl::Milliseconds(300), absl::Seconds(2));
      r->closed = sock.IsClosedByPeer(absl::Milliseconds(10));
      return;
    }
    const uint32_t bodylen = ReadBe32(*header, 8);
    auto body = sock.ReadExactly(bodylen, timeout);
    if (!body.ok()) {
      r->error = body.status().ToString();
      return;
    }
    r->bytes += *body;
    const uint64_t cas = ReadBe64(*header, 16);
    if (cas != 0) *last_cas = cas;
    if (until_sentinel && static_cast<uint8_t>((*header)[1]) == 0x0a &&
        ReadBe32(*header, 12) == kSentinelOpaque) {
      return;
    }
  }
}

Reply RunCase(int port, const Case& c, bool tls) {
  Reply r;
  {
    auto flusher = ConnectMaybeTls(port, tls);
    if (!flusher.ok()) {
      r.error = flusher.status().ToString();
      return r;
    }
    // Under -B binary the flush must be binary too.
    std::string flush = c.flags.find("-B binary") != std::string::npos ? Flush(1) : "flush_all\r\n";
    if (absl::Status s = flusher->Send(flush); !s.ok()) {
      r.error = s.ToString();
      return r;
    }
    flusher->ReadAvailable(absl::Milliseconds(20), absl::Seconds(2));
  }
  auto sock = ConnectMaybeTls(port, tls);
  if (!sock.ok()) {
    r.error = sock.status().ToString();
    return r;
  }
  uint64_t last_cas = 0;
  for (size_t i = 0; i < c.steps.size(); ++i) {
    std::string bytes = c.steps[i].bytes;
    if (c.steps[i].use_last_cas && bytes.size() >= 24) {
      for (int j = 0; j < 8; ++j) bytes[16 + j] = static_cast<char>(last_cas >> (56 - 8 * j));
    }
    const bool last = i + 1 == c.steps.size();
    if (c.end == End::kSentinel || !last) bytes += Noop(kSentinelOpaque);
    if (c.name == "split_header_across_sends") {
      if (!sock->SendByteAtATime(bytes).ok()) break;
    } else if (!sock->Send(bytes).ok()) {
      break;
    }
    if (c.end == End::kQuiet && last) {
      r.bytes += sock->ReadAvailable(absl::Milliseconds(300), absl::Seconds(3));
      r.closed = sock->peer_closed();
      break;
    }
    ReadPackets(*sock, c.end == End::kSentinel || !last, &r, &last_cas);
    if (r.closed || r.timed_out || !r.error.empty()) break;
  }
  return r;
}

// Masks each packet's CAS, a successful version's body and stat values;
// sorts each run of stat packets by name. Bytes after the last whole packet
// (text replies) are kept as they are.
std::string Normalize(std::string_view bytes) {
  std::string out;
  std::vector<std::string> stat_run;
  auto flush_stats = [&] {
    std::sort(stat_run.begin(), stat_run.end());
    for (const std::string& s : stat_run) out += s;
    stat_run.clear();
  };
  size_t i = 0;
  while (i + 24 <= bytes.size() && static_cast<uint8_t>(bytes[i]) == b::kResponseMagic) {
    const uint32_t bodylen = ReadBe32(bytes, i + 8);
    if (i + 24 + bodylen > bytes.size()) break;
    std::string packet(bytes.substr(i, 24 + bodylen));
    const uint8_t opcode = static_cast<uint8_t>(packet[1]);
    const uint16_t keylen = static_cast<uint16_t>((static_cast<uint8_t>(packet[2]) << 8) | static_cast<uint8_t>(packet[3]));
    const uint8_t extlen = static_cast<uint8_t>(packet[4]);
    const bool success = packet[6] == 0 && packet[7] == 0;
    std::string shown = absl::StrCat("[op=", opcode, " status=", static_cast<int>(static_cast<uint8_t>(packet[7])),
                                     " ext=", extlen, " key=", keylen, " body=", bodylen,
                                     " opaque=", ReadBe32(packet, 12),
                                     ReadBe64(packet, 16) != 0 ? " cas=<cas>" : " cas=0", "] ");
    std::string body = packet.substr(24);
    if (opcode == 0x0b && success) {
      shown += "<version>";
    } else if (opcode == 0x10 && success && keylen > 0) {
      // Stat: name kept, value masked (its length shows in body=, so drop that too).
      shown = absl::StrCat("[stat ", body.substr(extlen, keylen), "=<v>] ");
      if (body.substr(extlen, keylen) == "detailed") shown = absl::StrCat("[stat detailed=", body.substr(keylen), "] ");
      stat_run.push_back(shown + "\n");
      i += 24 + bodylen;
      continue;
    } else {
      shown += EscapeBytes(body);
    }
    flush_stats();
    out += shown + "\n";
    i += 24 + bodylen;
  }
  flush_stats();
  if (i < bytes.size()) out += absl::StrCat("<raw> ", EscapeBytes(bytes.substr(i)));
  return out;
}

std::string Render(const Reply& r) {
  std::string s = Normalize(r.bytes);
  if (r.closed) s += "<connection closed>";
  if (r.timed_out) s += "<timed out>";
  if (!r.error.empty()) s += "<harness error: " + r.error + ">";
  return s;
}

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? std::string(v) : fallback;
}

struct Pair {
  std::unique_ptr<ServerProcess> reference;
  std::unique_ptr<ServerProcess> target;
  ~Pair() {
    if (reference) reference->Kill();
    if (target) target->Kill();
  }
};

absl::StatusOr<std::unique_ptr<ServerProcess>> Start(const std::string& binary, const std::string& flags) {
  ServerOptions options;
  options.binary = binary;
  options.args = absl::StrSplit(flags, ' ', absl::SkipEmpty());
  return ServerProcess::Start(options);
}

// One server pair per flag set, shared by the cases that use it; stopped
// (and their temporary directories removed) after the suite.
std::map<std::string, std::unique_ptr<Pair>>& SharedPairs() {
  static auto* pairs = new std::map<std::string, std::unique_ptr<Pair>>();
  return *pairs;
}

Pair* PairFor(const std::string& flags) {
  auto* pairs = &SharedPairs();
  auto it = pairs->find(flags);
  if (it != pairs->end()) return it->second.get();
  auto pair = std::make_unique<Pair>();
  const std::string args = flags.substr(0, flags.find('#'));
  auto ref = Start(EnvOr("TANDEM_DIFF_REFERENCE", MemcachedPath()), args);
  auto target = Start(EnvOr("TANDEM_DIFF_TARGET", TandemdPath()), args);
  if (!ref.ok() || !target.ok()) return nullptr;
  pair->reference = std::move(*ref);
  pair->target = std::move(*target);
  return pairs->emplace(flags, std::move(pair)).first->second.get();
}

class BinaryDifferentialTest : public ::testing::TestWithParam<Case> {
 protected:
  static void TearDownTestSuite() { SharedPairs().clear(); }
};

// Runs one case against both servers, over TLS (both under -Z) or not.
void RunBinaryCase(const Case& c, bool tls) {
  if (!IsExecutable(MemcachedPath())) GTEST_SKIP() << "no reference memcached at " << MemcachedPath();
  const std::string flags = tls ? c.flags + TlsServerFlags() : c.flags;
  Pair* pair = PairFor(c.fresh ? absl::StrCat(flags, "#", c.name) : flags);
  ASSERT_NE(pair, nullptr) << "could not start servers with flags '" << flags << "'";
  Reply expected = RunCase(pair->reference->port(), c, tls);
  const Reply actual = RunCase(pair->target->port(), c, tls);
  if (tls && expected.timed_out) {
    // memcached 1.6.18 stalls over TLS after a value it refuses or a large
    // reply (it waits for the socket while OpenSSL holds the rest of the
    // request): tandem over TLS must then answer what memcached answers over TCP.
    Pair* plain = PairFor(c.fresh ? absl::StrCat(c.flags, "#", c.name) : c.flags);
    ASSERT_NE(plain, nullptr);
    expected = RunCase(plain->reference->port(), c, /*tls=*/false);
  }
  ASSERT_TRUE(expected.error.empty()) << expected.error;
  EXPECT_EQ(Render(actual), Render(expected)) << "case " << c.name << " flags '" << c.flags << "'";
  // A case that closes the connection must really have closed it (and the
  // sentinel must have come back otherwise): guards the harness itself.
  if (c.end == End::kClose) {
    EXPECT_TRUE(expected.closed) << "reference did not close";
  }
  if (c.end == End::kSentinel) {
    EXPECT_FALSE(expected.timed_out) << "reference never answered the sentinel";
  }
}

TEST_P(BinaryDifferentialTest, SameBytesAsMemcached) { RunBinaryCase(GetParam(), /*tls=*/false); }

class BinaryDifferentialTlsTest : public BinaryDifferentialTest {};

TEST_P(BinaryDifferentialTlsTest, SameBytesAsMemcachedOverTls) { RunBinaryCase(GetParam(), /*tls=*/true); }

std::vector<Case> TlsCases() {
  const std::vector<Case> all = AllCases();
  std::vector<Case> some;
  for (size_t i : TlsCaseIndexes(all.size())) some.push_back(all[i]);
  return some;
}

INSTANTIATE_TEST_SUITE_P(Cases, BinaryDifferentialTest, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(CasesOverTls, BinaryDifferentialTlsTest, ::testing::ValuesIn(TlsCases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(BinaryDifferentialTlsTest);

TEST(BinaryDifferentialCorpus, HasAtLeastOneHundredUniqueCases) {
  std::vector<Case> cases = AllCases();
  EXPECT_GE(cases.size(), 100u);
  std::vector<std::string> names;
  for (const Case& c : cases) names.push_back(c.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

}  // namespace
}  // namespace tandem::testing
