// The client library's request path against real tandemd processes: what
// one Get, Set and GetMulti cost end to end (key validation, ring lookup,
// pool borrow, request bytes, a loopback round trip, reply parsing, result
// mapping), next to the same request on one raw blocking socket, so the
// library's own overhead is the difference. GetMulti spreads its keys over
// three tandemd (one shard each) and is compared with writing one `get` to
// each of three raw sockets before reading the three replies. Times are
// wall-clock (a round trip mostly waits), and so are the items/s rates.
//
// The benchmark starts its own servers: three tandemd on free loopback
// ports (`-t 1 -m 64`), stopped by PID when it exits. The binary is
// --tandemd=PATH, or tandemd next to this executable (build/bin/). Not part
// of the test suite; run by hand:
//
//   build/bin/client_benchmark [--tandemd=PATH] [--benchmark_filter=...]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "client/benchmarks/bench_servers.h"
#include "client/client.h"

namespace tandem::client {
namespace {

std::vector<std::unique_ptr<Tandemd>>& Servers() {
  static auto* servers = new std::vector<std::unique_ptr<Tandemd>>();
  return *servers;
}

std::string Config(size_t shards) {
  std::string config;
  for (size_t i = 0; i < shards; ++i) {
    absl::StrAppend(&config, i ? "," : "", "127.0.0.1:", Servers()[i]->port());
  }
  return config;
}

std::unique_ptr<Client> MakeClient(size_t shards) {
  return std::move(*Client::Create(Config(shards)));
}

const std::string kValue(100, 'v');

// ---------------------------------------------------------------------------
// Raw socket: the floor (one write, read until the reply is complete).
// ---------------------------------------------------------------------------

class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(ConnectLoopback(port)) {}
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  bool Send(std::string_view request) {
    return send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(request.size());
  }
  // Reads until the buffer ends with `terminator`; returns the reply size,
  // or 0 on an error line, EOF or the receive timeout.
  size_t Receive(std::string_view terminator) {
    buffer_.clear();
    char chunk[16384];
    while (!std::string_view(buffer_).ends_with(terminator)) {
      if (buffer_.find("ERROR") < 16) return 0;  // ERROR, CLIENT_ERROR, SERVER_ERROR
      ssize_t n = read(fd_, chunk, sizeof(chunk));
      if (n <= 0) return 0;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
    return buffer_.size();
  }

 private:
  int fd_;
  std::string buffer_;
};

// ---------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------

void BM_ClientGet(benchmark::State& state) {
  std::unique_ptr<Client> client = MakeClient(1);
  if (!client->Set("bench:get", kValue).ok()) return state.SkipWithError("set failed");
  for (auto _ : state) {
    auto item = client->Get("bench:get");
    if (!item.ok() || !item->has_value()) return state.SkipWithError("get failed");
    benchmark::DoNotOptimize(item);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClientGet)->UseRealTime();

void BM_RawGet(benchmark::State& state) {
  RawConnection raw(Servers()[0]->port());
  raw.Send("set bench:get 0 0 100\r\n" + kValue + "\r\n");
  raw.Receive("\r\n");
  for (auto _ : state) {
    raw.Send("get bench:get\r\n");
    if (raw.Receive("END\r\n") == 0) return state.SkipWithError("get failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawGet)->UseRealTime();

void BM_ClientSet(benchmark::State& state) {
  std::unique_ptr<Client> client = MakeClient(1);
  for (auto _ : state) {
    if (!client->Set("bench:set", kValue).ok()) return state.SkipWithError("set failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClientSet)->UseRealTime();

void BM_RawSet(benchmark::State& state) {
  RawConnection raw(Servers()[0]->port());
  const std::string request = "set bench:set 0 0 100\r\n" + kValue + "\r\n";
  for (auto _ : state) {
    raw.Send(request);
    if (raw.Receive("\r\n") == 0) return state.SkipWithError("set failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawSet)->UseRealTime();

// range(0) keys over three shards, all hits.
std::vector<std::string> MultiKeys(int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back(absl::StrCat("bench:multi:", i));
  return keys;
}

void BM_ClientGetMulti3Shards(benchmark::State& state) {
  std::unique_ptr<Client> client = MakeClient(3);
  const std::vector<std::string> keys = MultiKeys(static_cast<int>(state.range(0)));
  for (const std::string& key : keys) {
    if (!client->Set(key, kValue).ok()) return state.SkipWithError("set failed");
  }
  for (auto _ : state) {
    auto items = client->GetMulti(keys);
    if (!items.ok() || items->size() != keys.size()) return state.SkipWithError("multi-get failed");
    benchmark::DoNotOptimize(items);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ClientGetMulti3Shards)->Arg(3)->Arg(30)->Arg(300)->UseRealTime();

// The same keys split by the client's own ring, one `get k1 k2 ...` per
// shard on three raw sockets: written together, then read back.
void BM_RawGetMulti3Shards(benchmark::State& state) {
  std::unique_ptr<Client> client = MakeClient(3);
  const std::vector<std::string> keys = MultiKeys(static_cast<int>(state.range(0)));
  std::vector<std::string> requests(3, "get");
  for (const std::string& key : keys) {
    if (!client->Set(key, kValue).ok()) return state.SkipWithError("set failed");
    absl::StrAppend(&requests[client->ShardFor(key)], " ", key);
  }
  // Shards that hold none of the keys are not asked, as the client does.
  std::vector<std::unique_ptr<RawConnection>> raw;
  std::vector<std::string> asked;
  for (int i = 0; i < 3; ++i) {
    if (requests[i] == "get") continue;
    asked.push_back(requests[i] + "\r\n");
    raw.push_back(std::make_unique<RawConnection>(Servers()[i]->port()));
  }
  for (auto _ : state) {
    for (size_t i = 0; i < raw.size(); ++i) raw[i]->Send(asked[i]);
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i]->Receive("END\r\n") == 0) return state.SkipWithError("get failed");
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RawGetMulti3Shards)->Arg(3)->Arg(30)->Arg(300)->UseRealTime();

}  // namespace
}  // namespace tandem::client

int main(int argc, char** argv) {
  // --tandemd=PATH is ours; everything else goes to Google Benchmark.
  std::string tandemd =
      (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "tandemd").string();
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--tandemd=", 10) == 0) {
      tandemd = argv[i] + 10;
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 1;
  for (int i = 0; i < 3; ++i) {
    std::unique_ptr<tandem::client::Tandemd> server = tandem::client::Tandemd::Start(tandemd);
    if (server == nullptr) {
      std::fprintf(stderr, "client_benchmark: could not start %s (pass --tandemd=PATH)\n",
                   tandemd.c_str());
      return 1;
    }
    tandem::client::Servers().push_back(std::move(server));
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  tandem::client::Servers().clear();
  return 0;
}
