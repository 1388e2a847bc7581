// client_example: the tandem client library in one page, shown in the
// README ("Using the client library") and built by default as
// tandem-client-example. Run it against any memcached-protocol servers:
//
//   build/bin/tandem-client-example 127.0.0.1:11211,127.0.0.1:11311
#include <iostream>

#include "client/client.h"

int Fail(const absl::Status& status) {
  std::cerr << status << "\n";  // e.g. UNAVAILABLE: no node of the shard answered
  return 1;
}

int main(int argc, char** argv) {
  // Every shard in one string: HOST:PORT, or a pair HOST:PORT/HOST:PORT; :WEIGHT after either.
  auto client = tandem::client::Client::Create(argc > 1 ? argv[1] : "127.0.0.1:11211");
  if (!client.ok()) return Fail(client.status());
  tandem::client::Client& cache = **client;  // thread-safe: share one among all threads

  if (absl::Status s = cache.Set("user:42", "Ada", {.exptime = 3600}); !s.ok()) return Fail(s);
  if (absl::Status s = cache.Set("user:43", "Grace"); !s.ok()) return Fail(s);

  auto item = cache.Get("user:42");  // an error, a miss (empty optional) or a hit
  if (!item.ok()) return Fail(item.status());
  std::cout << "user:42 = " << (item->has_value() ? (*item)->value : "(miss)") << "\n";

  auto found = cache.GetMulti({"user:42", "user:43", "user:44"});  // shards asked in parallel
  if (!found.ok()) return Fail(found.status());
  std::cout << "multi-get found " << found->size() << " of 3\n";

  if (absl::Status s = cache.Set("visits", "41"); !s.ok()) return Fail(s);
  auto visits = cache.Incr("visits", 1);  // empty optional when the key is missing
  if (!visits.ok()) return Fail(visits.status());
  std::cout << "visits = " << visits->value_or(0) << "\n";

  auto deleted = cache.Delete("user:43");  // false when it was not there
  if (!deleted.ok()) return Fail(deleted.status());
  std::cout << "deleted user:43: " << (*deleted ? "yes" : "no") << "\n";
  std::cout << "user:42 is on shard " << cache.ShardFor("user:42") << " of " << cache.shard_count()
            << "\n";
  return 0;
}
