// Writes the seed corpora of the replication, reply and flags fuzz targets
// from the real encoders (frames with true checksums, a genuine handshake),
// so the fuzzers start from inputs that reach deep. Not run by the suite:
// the seeds are checked in; rerun after changing an input layout with
//   cmake --build build-fuzz --target fuzz_seed_writer
//   build-fuzz/bin/fuzz_seed_writer tests/fuzz/corpus
// Each input starts with the control bytes its target reads first (see the
// target's header comment).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "replication/record.h"
#include "replication/record_codec.h"

namespace {

namespace r = tandem::replication;
using tandem::server::storage::Mutation;

std::filesystem::path g_root;

void Write(const std::string& target, const std::string& name, std::string_view bytes) {
  std::filesystem::path dir = g_root / target;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string Le(uint64_t v, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

// A frame with a true length and checksum around any payload.
std::string RawFrame(r::FrameType type, std::string_view payload) {
  std::string body(1, static_cast<char>(type));
  body.append(payload);
  return Le(body.size(), 4) + Le(r::Crc32c(body), 4) + body;
}

// Control bytes: mode or line limit, chunking seed, chunk-size selector.
std::string Control(uint8_t first, uint32_t seed, uint8_t selector) {
  return std::string(1, static_cast<char>(first)) + Le(seed, 4) + std::string(1, static_cast<char>(selector));
}

Mutation Store(std::string_view key, std::string_view value) {
  Mutation m{};
  m.kind = Mutation::Kind::kStore;
  m.key = key;
  m.value = value;
  m.flags = 42;
  m.expires_at = 1890000000;
  m.origin_ms = 1889999000000;  // travels as 1,000,000 ms remaining
  m.cas = 7;
  m.version = 0x1234;
  return m;
}

// ---- record_decoder: mode, seed, selector, stream ------------------------
void RecordDecoderSeeds() {
  const std::string t = "record_decoder";
  r::Hello hello;
  hello.node_id = 0x1111;
  hello.epoch = 3;
  hello.role = r::Role::kMaster;
  hello.applied_stream = 0x2222;
  hello.applied_offset = 900;
  hello.stream_end = 1200;
  std::string handshake;
  r::EncodeHello(hello, &handshake);
  Write(t, "hello", Control(2, 1, 2) + handshake);

  std::string full;
  r::EncodeSyncStart({true, 4096}, &full);
  r::EncodeMutation(r::FrameType::kSnapshotItem, Store("a", "alpha"), &full);
  r::EncodeMutation(r::FrameType::kSnapshotItem, Store("b", std::string(300, 'b')), &full);
  r::EncodeSnapshotEnd(&full);
  r::EncodeMutation(r::FrameType::kRecord, Store("c", ""), &full);
  r::EncodeAck(4200, &full);
  r::EncodeHeartbeat({3, r::Role::kSlave, 5000, 4200, 1889999000000}, &full);
  Write(t, "full_sync", Control(0, 7, 3) + full);
  Write(t, "full_sync_bytewise", Control(0, 7, 0) + full);

  std::string partial;
  r::EncodeSyncStart({false, 100}, &partial);
  Mutation del{};
  del.kind = Mutation::Kind::kDelete;
  del.key = "gone";
  del.version = 9;
  Mutation touch{};
  touch.kind = Mutation::Kind::kTouch;
  touch.key = "t";
  touch.expires_at = 1890000100;
  touch.origin_ms = 1889999000000;
  Mutation flush{};
  flush.kind = Mutation::Kind::kFlushAll;
  flush.origin_ms = 1889999000000;
  flush.flush_delay_ms = 30000;
  for (const Mutation& m : {Store("k", "v"), del, touch, flush}) r::EncodeMutation(r::FrameType::kRecord, m, &partial);
  Write(t, "partial_sync", Control(0, 99, 1) + partial);

  // Anti-entropy (protocol 5): a digest, the ranges that differ, a re-sent item.
  std::string ae;
  r::EncodeSyncStart({false, 100}, &ae);
  r::EncodeFrame(r::FrameType::kAeDigest, std::string(4096 * 8, '\x5a'), &ae);
  r::EncodeFrame(r::FrameType::kAeRanges, std::string(511, '\0') + "\x01", &ae);
  r::EncodeMutation(r::FrameType::kAeItem, Store("k", "v"), &ae);
  Write(t, "antientropy", Control(0, 99, 1) + ae);

  // A whole frame, then one torn in its body.
  std::string torn;
  r::EncodeAck(1, &torn);
  std::string next;
  r::EncodeMutation(r::FrameType::kRecord, Store("key", "value"), &next);
  Write(t, "torn", Control(0, 5, 2) + torn + next.substr(0, next.size() - 3));

  std::string bad_crc = next;
  bad_crc[5] ^= 0x40;
  Write(t, "bad_crc", Control(0, 5, 5) + bad_crc);
  // Repair mode rewrites the checksum and the fuzzer's payload parses.
  Write(t, "repaired", Control(1, 5, 5) + bad_crc + bad_crc);

  std::string bad_type;
  r::EncodeSnapshotEnd(&bad_type);
  bad_type[r::kFrameHeaderSize] = 9;
  Write(t, "bad_type", Control(1, 3, 2) + bad_type);
  Write(t, "zero_length", Control(0, 3, 2) + std::string(8, '\0'));
  Write(t, "too_long_for_handshake", Control(2, 3, 2) + Le(r::kMaxHandshakeBody + 1, 4) + Le(0, 4) + "x");

  // Payloads the parsers must refuse: a hello with a trailing byte, a
  // mutation key longer than 255, a snapshot end with a payload.
  Write(t, "hello_trailing_byte", Control(0, 3, 4) + RawFrame(r::FrameType::kHello, handshake.substr(9) + "!"));
  const std::string fixed = std::string(1, '\0') + Le(0, 4) + Le(0, 8) + Le(0, 8) + Le(0, 8) + Le(0, 8);
  Write(t, "mutation_key_too_long",
        Control(0, 3, 4) + RawFrame(r::FrameType::kRecord, fixed + Le(256, 2) + std::string(256, 'k') + Le(0, 4)));
  Write(t, "snapshot_end_with_payload", Control(0, 3, 4) + RawFrame(r::FrameType::kSnapshotEnd, "!"));
}

// ---- handshake: an op stream (see handshake_fuzz.cc) ----------------------
void HandshakeSeeds() {
  const std::string t = "handshake";
  // Op 1: a well-formed HELLO (own-id selector, id, epoch, role, three
  // offsets), then the connection it goes to.
  auto hello = [](uint8_t own_id, uint64_t id, uint8_t conn) {
    return std::string("\x01", 1) + std::string(1, static_cast<char>(own_id)) + (own_id & 1 ? "" : Le(id, 8)) +
           Le(2, 8) + "\x01" +
           Le(0x3333, 8) + Le(100, 8) + Le(200, 8) + std::string(1, static_cast<char>(conn));
  };
  const std::string accepted = std::string("\x00\x00", 2), dialed = std::string("\x00\x01", 2);
  Write(t, "genuine", hello(0, 0x2222, 0));
  Write(t, "own_id", hello(1, 0, 0));
  Write(t, "second_connection_while_linked", hello(0, 0x2222, 0) + accepted + hello(0, 0x2222, 1));
  Write(t, "simultaneous_dials", dialed + hello(0, 0xffffffffffffffffull, 0) + hello(0, 0xffffffffffffffffull, 1));
  Write(t, "drop_then_relink", hello(0, 0x2222, 0) + std::string("\x05\x00", 2) + accepted + hello(0, 0x2222, 1));
  Write(t, "raw_hello", std::string("\x02\x00\x2f", 3) + Le(r::kHelloMagic, 4) + Le(r::kProtocolVersion, 2) +
                            Le(0x4444, 8) + Le(1, 8) + "\x02" + Le(0, 8) + Le(0, 8) + Le(0, 8));
  Write(t, "v1_auth_frame", std::string("\x03\x00\x02\x20", 4) + std::string(32, 'm'));
  Write(t, "wrong_first_frame", std::string("\x03\x00\x07\x08", 4) + Le(100, 8));
}

// ---- reply_parser: line limit, seed, selector, stream --------------------
void ReplyParserSeeds() {
  const std::string t = "reply_parser";
  const std::string def = Control(0x80, 11, 2);
  Write(t, "single_lines", def + "STORED\r\nNOT_STORED\r\nEXISTS\r\nNOT_FOUND\r\nDELETED\r\nTOUCHED\r\nOK\r\n"
                               "RESET\r\nERROR\r\n");
  Write(t, "text_lines", def + "VERSION 1.6.18\r\nCLIENT_ERROR bad data chunk\r\nSERVER_ERROR out of memory\r\n"
                             "12345\r\n");
  Write(t, "values", def + "VALUE a 0 5\r\nhello\r\nVALUE b 4294967295 0 99\r\n\r\nEND\r\nEND\r\n");
  Write(t, "values_bytewise", Control(0x80, 11, 0) + "VALUE a 3 2 77\r\nhi\r\nEND\r\n");
  Write(t, "stats", def + "STAT pid 1\r\nSTAT uptime 10\r\nSTAT version 1.6.18\r\nEND\r\n");
  Write(t, "listings", def + "ITEM k [5 b; 0 s]\r\nEND\r\nPREFIX a get 1 hit 1 set 0 del 0\r\nEND\r\n"
                           "key=k exp=-1 la=1 cas=2 fetch=no cls=1 size=63\r\nEND\r\n");
  Write(t, "out_of_sync", def + "VALUE k 0 1\r\nab\r\nEND\r\n");
  Write(t, "short_limit", Control(0x02, 11, 1) + "STORED\r\nVERSION 1\r\n");
  // Regressions: a line at the limit split inside its "\r\n", and a VALUE
  // length that wrapped the block arithmetic.
  Write(t, "crlf_split_at_limit", Control(0x02, 0x5ead, 0) + "STORED\r\nSTORED");
  Write(t, "huge_value_length", def + "VALUE k 0 18446744073709551614\r\nEND\r\n");
}

// ---- flags: argv words separated by newlines -----------------------------
void FlagsSeeds() {
  const std::string t = "flags";
  Write(t, "basic", "-p\n11311\n-U\n0\n-m\n128\n-c\n4096\n-t\n2\n-v\n-l\n127.0.0.1,::1");
  Write(t, "sizes", "-I\n2m\n-m\n1g\n-n\n64\n-f\n1.5\n-o\nslab_chunk_max=16384,hashpower=20");
  Write(t, "extended", "-o\nno_modern,lru_crawler_sleep=50,hot_lru_pct=30,warm_lru_pct=40,temporary_ttl=60,"
                       "lru_maintainer,hash_algorithm=murmur3,ext_path=/x,slab_automove=2");
  Write(t, "replication", "-x\n127.0.0.1:11212\n--repl-secret=/tmp/secret\n--repl-backlog=8\n"
                          "--repl-heartbeat-ms=100\n--repl-timeout-ms=500\n-X\n11213");
  Write(t, "long_forms", "--port=1\n--memory-limit=64\n--max-item-size=1k\n--protocol=binary\n-D\n:\n-a\n755");
  Write(t, "errors", "-I\n2g\n-p\nx\n--bogus\n-o\nslab_chunk_max");
  Write(t, "help", "-vv\n-h");
  Write(t, "version", "-V");
  Write(t, "extended_direct", "read_buf_mem_limit=5\nslab_automove_ratio=0.5");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  RecordDecoderSeeds();
  HandshakeSeeds();
  ReplyParserSeeds();
  FlagsSeeds();
  return 0;
}
