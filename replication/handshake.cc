// Handshake: SHA-256 and HMAC (FIPS 180-4, RFC 2104), the proof of the
// secret and the partial-or-full decision. See handshake.h for the protocol.
#include "replication/handshake.h"

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "replication/record_codec.h"

namespace tandem::replication {
namespace {

constexpr uint32_t kK[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void Compress(uint32_t h[8], const uint8_t* block) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i) {
    w[i] = (uint32_t{block[4 * i]} << 24) | (uint32_t{block[4 * i + 1]} << 16) |
           (uint32_t{block[4 * i + 2]} << 8) | uint32_t{block[4 * i + 3]};
  }
  for (int i = 16; i < 64; ++i) {
    uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; ++i) {
    uint32_t s1 = Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25);
    uint32_t ch = (e & f) ^ (~e & g);
    uint32_t t1 = hh + s1 + ch + kK[i] + w[i];
    uint32_t s0 = Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22);
    uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = s0 + maj;
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

std::string_view View(const std::array<uint8_t, 32>& a) {
  return std::string_view(reinterpret_cast<const char*>(a.data()), a.size());
}

std::string ProofInput(const Hello& answerer, const Hello& challenger) {
  std::string in = "tandem repl v1";
  in.append(reinterpret_cast<const char*>(challenger.nonce.data()), kNonceSize);
  for (int i = 0; i < 8; ++i) in.push_back(static_cast<char>((answerer.node_id >> (8 * i)) & 0xff));
  in.append(reinterpret_cast<const char*>(answerer.nonce.data()), kNonceSize);
  return in;
}

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    return (uint64_t{rd()} << 32) ^ rd();
  }());
  return rng;
}

}  // namespace

std::array<uint8_t, 32> Sha256(std::string_view data) {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const uint64_t bits = uint64_t{data.size()} * 8;
  size_t i = 0;
  for (; i + 64 <= data.size(); i += 64) Compress(h, reinterpret_cast<const uint8_t*>(data.data() + i));
  uint8_t tail[128] = {};
  size_t rest = data.size() - i;
  std::memcpy(tail, data.data() + i, rest);
  tail[rest] = 0x80;
  size_t tail_len = rest + 1 + 8 <= 64 ? 64 : 128;
  for (int k = 0; k < 8; ++k) tail[tail_len - 1 - k] = static_cast<uint8_t>(bits >> (8 * k));
  Compress(h, tail);
  if (tail_len == 128) Compress(h, tail + 64);
  std::array<uint8_t, 32> out;
  for (int k = 0; k < 8; ++k) {
    out[4 * k] = static_cast<uint8_t>(h[k] >> 24);
    out[4 * k + 1] = static_cast<uint8_t>(h[k] >> 16);
    out[4 * k + 2] = static_cast<uint8_t>(h[k] >> 8);
    out[4 * k + 3] = static_cast<uint8_t>(h[k]);
  }
  return out;
}

std::array<uint8_t, 32> HmacSha256(std::string_view key, std::string_view data) {
  std::string k(key);
  if (k.size() > 64) k = std::string(View(Sha256(k)));
  k.resize(64, '\0');
  std::string inner(64, '\0'), outer(64, '\0');
  for (int i = 0; i < 64; ++i) {
    inner[i] = static_cast<char>(k[i] ^ 0x36);
    outer[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  inner.append(data);
  outer.append(View(Sha256(inner)));
  return Sha256(outer);
}

std::array<uint8_t, kMacSize> MakeProof(std::string_view secret, const Hello& self, const Hello& peer) {
  return HmacSha256(secret, ProofInput(self, peer));
}

bool VerifyProof(std::string_view secret, const Hello& self, const Hello& peer,
                 const std::array<uint8_t, kMacSize>& mac) {
  std::array<uint8_t, kMacSize> want = HmacSha256(secret, ProofInput(peer, self));
  uint8_t diff = 0;
  for (size_t i = 0; i < kMacSize; ++i) diff |= static_cast<uint8_t>(want[i] ^ mac[i]);
  return diff == 0;
}

absl::Status AcceptHello(std::string_view payload, const Hello& self, Hello* peer) {
  if (absl::Status st = ParseHello(payload, peer); !st.ok()) return st;
  if (peer->node_id == self.node_id) return absl::FailedPreconditionError("connected to itself");
  return absl::OkStatus();
}

absl::Status AcceptAuth(std::string_view payload, std::string_view secret, const Hello& self, const Hello& peer,
                        Auth* auth) {
  if (absl::Status st = ParseAuth(payload, auth); !st.ok()) return st;
  if (!VerifyProof(secret, self, peer, auth->mac)) return absl::PermissionDeniedError("wrong MAC");
  return absl::OkStatus();
}

SyncStart DecideSync(uint64_t own_stream_id, uint64_t backlog_start, uint64_t stream_end,
                     uint64_t peer_applied_stream, uint64_t peer_applied_offset) {
  if (peer_applied_stream == own_stream_id && peer_applied_offset >= backlog_start &&
      peer_applied_offset <= stream_end) {
    return SyncStart{false, peer_applied_offset};
  }
  return SyncStart{true, stream_end};
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read --repl-secret file ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string secret(absl::StripAsciiWhitespace(ss.str()));
  if (secret.empty()) return absl::InvalidArgumentError(absl::StrCat("--repl-secret file ", path, " is empty"));
  return secret;
}

uint64_t RandomNodeId() {
  uint64_t id = 0;
  while (id == 0) id = Rng()();
  return id;
}

std::array<uint8_t, kNonceSize> RandomNonce() {
  std::array<uint8_t, kNonceSize> n;
  for (size_t i = 0; i < kNonceSize; i += 8) {
    uint64_t r = Rng()();
    std::memcpy(n.data() + i, &r, 8);
  }
  return n;
}

}  // namespace tandem::replication
