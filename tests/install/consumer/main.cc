// A user's program against the installed library: only the public header.
// Stores a value, reads it back alone and in a batch, prints what it got.
#include <iostream>

#include "client/client.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  auto client = tandem::client::Client::Create(argv[1]);
  if (!client.ok()) {
    std::cerr << client.status() << "\n";
    return 1;
  }
  tandem::client::Client& cache = **client;
  if (absl::Status s = cache.Set("consumer:key", "hello"); !s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }
  auto item = cache.Get("consumer:key");
  if (!item.ok() || !item->has_value()) return 1;
  tandem::client::Batch batch;
  size_t get = batch.Get("consumer:key");
  batch.Delete("consumer:key");
  auto results = cache.Execute(batch);
  std::cout << "consumer: " << (*item)->value << ", batch " << results[get].item->value << ", deleted "
            << (results[1].found ? "yes" : "no") << "\n";
  return 0;
}
