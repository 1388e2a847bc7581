// The `tandem` Python module: tandem::client::Client for Python (pybind11).
//
// Same semantics as the C++ client: a miss is None, memcached's normal
// outcomes are values (add on an existing key is False, delete of a missing
// key is False), and a failed request raises a tandem.Error subclass. Keys
// are str (UTF-8) or bytes; values are bytes or str and come back as bytes.
// Network calls release the GIL, so threads sharing one Client run in
// parallel (the C++ client is thread-safe).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "python/options.h"

namespace py = pybind11;

namespace tandem::client::python {
namespace {

// The exception classes, created once at import and never changed after.
struct Exceptions {
  PyObject* error = nullptr;        // tandem.Error: every failure
  PyObject* client_error = nullptr;  // bad key or CLIENT_ERROR (also ValueError)
  PyObject* unavailable = nullptr;   // no node reachable (also ConnectionError)
  PyObject* timeout = nullptr;       // no reply in time (also TimeoutError)
  PyObject* server_error = nullptr;  // SERVER_ERROR or a garbled reply
};

Exceptions& Errors() {
  static Exceptions* errors = new Exceptions();
  return *errors;
}

[[noreturn]] void Raise(const absl::Status& status) {
  const Exceptions& e = Errors();
  PyObject* type = e.error;
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument: type = e.client_error; break;
    case absl::StatusCode::kUnavailable: type = e.unavailable; break;
    case absl::StatusCode::kDeadlineExceeded: type = e.timeout; break;
    case absl::StatusCode::kInternal: type = e.server_error; break;
    default: break;
  }
  PyErr_SetString(type, std::string(status.message()).c_str());
  throw py::error_already_set();
}

void Check(const absl::Status& status) {
  if (!status.ok()) Raise(status);
}

template <typename T>
T Take(absl::StatusOr<T> result) {
  if (!result.ok()) Raise(result.status());
  return *std::move(result);
}

// A key or value argument: str is taken as UTF-8, bytes as they are.
std::string Bytes(const py::handle& object) {
  if (PyBytes_Check(object.ptr())) return std::string(py::reinterpret_borrow<py::bytes>(object));
  if (PyUnicode_Check(object.ptr())) return object.cast<std::string>();
  throw py::type_error("expected str or bytes, got " + std::string(py::str(py::type::of(object))));
}

std::vector<std::string> KeyList(const py::iterable& keys) {
  std::vector<std::string> out;
  for (const py::handle& key : keys) out.push_back(Bytes(key));
  return out;
}

absl::Duration Seconds(double seconds) {
  if (!(seconds > 0)) throw py::value_error("timeouts must be positive seconds");
  return absl::Seconds(seconds);
}

py::object StoreOutcome(StoreResult result) {
  return py::bool_(result == StoreResult::kStored);
}

class PyClient {
 public:
  PyClient(const py::object& servers, const std::string& distribution, const std::string& read_policy,
           std::optional<std::string> hash_tag, double connect_timeout, double timeout, double retry_timeout,
           size_t pool_size) {
    ClientOptions options;
    options.distribution = Take(ParseDistribution(distribution));
    options.read_policy = Take(ParseReadPolicy(read_policy));
    if (hash_tag) options.hash_tag = Take(HashTag::FromString(*hash_tag));
    options.connect_timeout = Seconds(connect_timeout);
    options.send_timeout = Seconds(timeout);
    options.receive_timeout = Seconds(timeout);
    options.retry_timeout = Seconds(retry_timeout);
    if (pool_size == 0) throw py::value_error("pool_size must be at least 1");
    options.pool_size = pool_size;
    std::string list;
    if (py::isinstance<py::str>(servers)) {
      list = servers.cast<std::string>();
    } else {
      std::vector<std::string> entries;
      for (const py::handle& entry : servers) entries.push_back(py::str(entry).cast<std::string>());
      list = Take(JoinServers(entries));
    }
    client_ = Take(Client::Create(list, options));
  }

  py::object Get(const py::handle& key) {
    std::string k = Bytes(key);
    absl::StatusOr<std::optional<Item>> item;
    {
      py::gil_scoped_release unlocked;
      item = client_->Get(k);
    }
    std::optional<Item> hit = Take(std::move(item));
    if (!hit) return py::none();
    return py::bytes(hit->value);
  }

  // (value, cas) or None.
  py::object Gets(const py::handle& key) {
    std::string k = Bytes(key);
    absl::StatusOr<std::optional<Item>> item;
    {
      py::gil_scoped_release unlocked;
      item = client_->Gets(k);
    }
    std::optional<Item> hit = Take(std::move(item));
    if (!hit) return py::none();
    return py::make_tuple(py::bytes(hit->value), hit->cas);
  }

  // (value, flags, cas) or None.
  py::object GetItem(const py::handle& key) {
    std::string k = Bytes(key);
    absl::StatusOr<std::optional<Item>> item;
    {
      py::gil_scoped_release unlocked;
      item = client_->Gets(k);
    }
    std::optional<Item> hit = Take(std::move(item));
    if (!hit) return py::none();
    return py::make_tuple(py::bytes(hit->value), hit->flags, hit->cas);
  }

  // {key: value} for the hits; keys come back as they were passed.
  py::dict GetMulti(const py::iterable& keys, bool with_cas) {
    std::vector<py::object> originals;
    std::vector<std::string> wire;
    for (const py::handle& key : keys) {
      originals.push_back(py::reinterpret_borrow<py::object>(key));
      wire.push_back(Bytes(key));
    }
    MultiGetResult result;
    absl::Status status;
    {
      py::gil_scoped_release unlocked;
      status = with_cas ? client_->GetsMulti(wire, &result) : client_->GetMulti(wire, &result);
    }
    Check(status);
    py::dict out;
    for (size_t i = 0; i < wire.size(); ++i) {
      std::optional<MultiGetResult::Hit> hit = result.Find(wire[i]);
      if (!hit) continue;
      py::bytes value(hit->value.data(), hit->value.size());
      if (with_cas) {
        out[originals[i]] = py::make_tuple(value, hit->cas);
      } else {
        out[originals[i]] = value;
      }
    }
    return out;
  }

  void Set(const py::handle& key, const py::handle& value, uint32_t flags, int64_t exptime) {
    std::string k = Bytes(key), v = Bytes(value);
    absl::Status status;
    {
      py::gil_scoped_release unlocked;
      status = client_->Set(k, v, StoreOptions{flags, exptime});
    }
    Check(status);
  }

  // add/replace: True when stored.
  py::object Store(char kind, const py::handle& key, const py::handle& value, uint32_t flags, int64_t exptime) {
    std::string k = Bytes(key), v = Bytes(value);
    absl::StatusOr<StoreResult> result;
    {
      py::gil_scoped_release unlocked;
      switch (kind) {
        case 'a': result = client_->Add(k, v, StoreOptions{flags, exptime}); break;
        case 'r': result = client_->Replace(k, v, StoreOptions{flags, exptime}); break;
        case 'A': result = client_->Append(k, v); break;
        default: result = client_->Prepend(k, v); break;
      }
    }
    return StoreOutcome(Take(std::move(result)));
  }

  // True: stored; False: the item changed since gets (EXISTS); None: no
  // such key (NOT_FOUND), as pymemcache's cas.
  py::object Cas(const py::handle& key, const py::handle& value, uint64_t cas, uint32_t flags, int64_t exptime) {
    std::string k = Bytes(key), v = Bytes(value);
    absl::StatusOr<StoreResult> result;
    {
      py::gil_scoped_release unlocked;
      result = client_->Cas(k, v, cas, StoreOptions{flags, exptime});
    }
    StoreResult outcome = Take(std::move(result));
    if (outcome == StoreResult::kNotFound) return py::none();
    return py::bool_(outcome == StoreResult::kStored);
  }

  bool Delete(const py::handle& key) {
    std::string k = Bytes(key);
    absl::StatusOr<bool> result;
    {
      py::gil_scoped_release unlocked;
      result = client_->Delete(k);
    }
    return Take(std::move(result));
  }

  bool Touch(const py::handle& key, int64_t exptime) {
    std::string k = Bytes(key);
    absl::StatusOr<bool> result;
    {
      py::gil_scoped_release unlocked;
      result = client_->Touch(k, exptime);
    }
    return Take(std::move(result));
  }

  // The new value, or None when the key does not exist.
  std::optional<uint64_t> Arithmetic(bool incr, const py::handle& key, uint64_t delta) {
    std::string k = Bytes(key);
    absl::StatusOr<std::optional<uint64_t>> result;
    {
      py::gil_scoped_release unlocked;
      result = incr ? client_->Incr(k, delta) : client_->Decr(k, delta);
    }
    return Take(std::move(result));
  }

  // `items`: a mapping or an iterable of (key, value) pairs.
  void SetMulti(const py::object& items, uint32_t flags, int64_t exptime) {
    std::vector<std::pair<std::string, std::string>> pairs;
    py::object iterable = py::isinstance<py::dict>(items) ? items.attr("items")() : items;
    for (const py::handle& entry : iterable) {
      py::tuple kv = py::reinterpret_borrow<py::object>(entry).cast<py::tuple>();
      if (kv.size() != 2) throw py::value_error("set_multi: each item must be a (key, value) pair");
      pairs.emplace_back(Bytes(kv[0]), Bytes(kv[1]));
    }
    absl::Status status;
    {
      py::gil_scoped_release unlocked;
      status = client_->SetMulti(pairs, StoreOptions{flags, exptime});
    }
    Check(status);
  }

  size_t DeleteMulti(const py::iterable& keys) {
    std::vector<std::string> wire = KeyList(keys);
    absl::StatusOr<size_t> result;
    {
      py::gil_scoped_release unlocked;
      result = client_->DeleteMulti(wire);
    }
    return Take(std::move(result));
  }

  void FlushAll(int64_t delay) {
    absl::Status status;
    {
      py::gil_scoped_release unlocked;
      status = client_->FlushAll(delay);
    }
    Check(status);
  }

  // The shard index a key maps to now (None when every shard is ejected).
  std::optional<size_t> ShardFor(const py::handle& key) const {
    size_t shard = client_->ShardFor(Bytes(key));
    if (shard == kNoShard) return std::nullopt;
    return shard;
  }

  // Each shard as its list of "host:port" nodes (preferred first).
  std::vector<std::vector<std::string>> Servers() const {
    std::vector<std::vector<std::string>> out;
    for (size_t i = 0; i < client_->shard_count(); ++i) {
      std::vector<std::string> nodes;
      for (const NodeAddress& node : client_->shard(i).nodes) nodes.push_back(node.ToString());
      out.push_back(std::move(nodes));
    }
    return out;
  }

  bool IsEjected(size_t shard) const {
    if (shard >= client_->shard_count()) throw py::index_error("no such shard");
    return client_->IsEjected(shard);
  }

 private:
  std::unique_ptr<Client> client_;
};

PyObject* NewException(py::module_& m, const char* name, PyObject* bases, const char* doc) {
  std::string qualified = std::string("tandem.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases, nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.add_object(name, py::reinterpret_borrow<py::object>(type));
  return type;
}

}  // namespace
}  // namespace tandem::client::python

// Outside any namespace: the macro defines the extern "C" PyInit_tandem.
PYBIND11_MODULE(tandem, m) {
  using namespace tandem::client::python;  // NOLINT: the module's own names
  m.doc() = "tandem's client: keys sharded over memcached-compatible replica pairs with failover";

  Exceptions& errors = Errors();
  errors.error = NewException(m, "Error", PyExc_Exception, "A request could not be carried out.");
  py::tuple value_bases = py::make_tuple(py::handle(errors.error), py::handle(PyExc_ValueError));
  errors.client_error = NewException(m, "ClientError", value_bases.ptr(),
                                     "A bad key or value, or a CLIENT_ERROR reply.");
  py::tuple conn_bases = py::make_tuple(py::handle(errors.error), py::handle(PyExc_ConnectionError));
  errors.unavailable = NewException(m, "UnavailableError", conn_bases.ptr(),
                                    "No node of the key's shard could be reached.");
  py::tuple timeout_bases = py::make_tuple(py::handle(errors.error), py::handle(PyExc_TimeoutError));
  errors.timeout = NewException(m, "TimeoutError", timeout_bases.ptr(), "No reply arrived in time.");
  errors.server_error = NewException(m, "ServerError", errors.error,
                                     "A SERVER_ERROR reply (e.g. value too large) or a garbled reply.");

  py::class_<PyClient>(m, "Client", R"doc(
Client(servers, distribution="ketama", read_policy="preferred", hash_tag=None,
       connect_timeout=1.0, timeout=1.0, retry_timeout=2.0, pool_size=8)

servers: "A:PORT/B:PORT,C:PORT" (tandem's server list) or a list of entries,
each "HOST:PORT" or a pair "HOST:PORT/HOST:PORT", optionally ":WEIGHT".
Places keys as libmemcached does (ketama by default). A miss is None; a
failed request raises tandem.Error (ClientError, UnavailableError,
TimeoutError, ServerError).)doc")
      .def(py::init<const py::object&, const std::string&, const std::string&, std::optional<std::string>, double,
                    double, double, size_t>(),
           py::arg("servers"), py::arg("distribution") = "ketama", py::arg("read_policy") = "preferred",
           py::arg("hash_tag") = py::none(), py::arg("connect_timeout") = 1.0, py::arg("timeout") = 1.0,
           py::arg("retry_timeout") = 2.0, py::arg("pool_size") = 8)
      .def("get", &PyClient::Get, py::arg("key"), "The value (bytes), or None on a miss.")
      .def("gets", &PyClient::Gets, py::arg("key"), "(value, cas), or None on a miss.")
      .def("get_item", &PyClient::GetItem, py::arg("key"), "(value, flags, cas), or None on a miss.")
      .def("get_multi", [](PyClient& c, const py::iterable& keys) { return c.GetMulti(keys, false); },
           py::arg("keys"), "{key: value} for the keys found (pipelined per shard).")
      .def("gets_multi", [](PyClient& c, const py::iterable& keys) { return c.GetMulti(keys, true); },
           py::arg("keys"), "{key: (value, cas)} for the keys found.")
      .def("set", &PyClient::Set, py::arg("key"), py::arg("value"), py::arg("flags") = 0,
           py::arg("exptime") = 0, "Stores the value (returns None; raises on failure).")
      .def("add",
           [](PyClient& c, const py::handle& k, const py::handle& v, uint32_t f, int64_t e) {
             return c.Store('a', k, v, f, e);
           },
           py::arg("key"), py::arg("value"), py::arg("flags") = 0, py::arg("exptime") = 0,
           "True when stored, False when the key exists.")
      .def("replace",
           [](PyClient& c, const py::handle& k, const py::handle& v, uint32_t f, int64_t e) {
             return c.Store('r', k, v, f, e);
           },
           py::arg("key"), py::arg("value"), py::arg("flags") = 0, py::arg("exptime") = 0,
           "True when stored, False when the key does not exist.")
      .def("append", [](PyClient& c, const py::handle& k, const py::handle& v) { return c.Store('A', k, v, 0, 0); },
           py::arg("key"), py::arg("value"), "True when stored, False when the key does not exist.")
      .def("prepend", [](PyClient& c, const py::handle& k, const py::handle& v) { return c.Store('P', k, v, 0, 0); },
           py::arg("key"), py::arg("value"), "True when stored, False when the key does not exist.")
      .def("cas", &PyClient::Cas, py::arg("key"), py::arg("value"), py::arg("cas"), py::arg("flags") = 0,
           py::arg("exptime") = 0, "True: stored; False: changed since gets; None: no such key.")
      .def("delete", &PyClient::Delete, py::arg("key"), "True when the key existed.")
      .def("touch", &PyClient::Touch, py::arg("key"), py::arg("exptime"), "True when the key existed.")
      .def("incr", [](PyClient& c, const py::handle& k, uint64_t d) { return c.Arithmetic(true, k, d); },
           py::arg("key"), py::arg("delta") = 1, "The new value, or None when the key does not exist.")
      .def("decr", [](PyClient& c, const py::handle& k, uint64_t d) { return c.Arithmetic(false, k, d); },
           py::arg("key"), py::arg("delta") = 1, "The new value (stops at 0), or None when the key does not exist.")
      .def("set_multi", &PyClient::SetMulti, py::arg("items"), py::arg("flags") = 0, py::arg("exptime") = 0,
           "Stores a mapping or (key, value) pairs, pipelined per shard.")
      .def("delete_multi", &PyClient::DeleteMulti, py::arg("keys"), "How many of the keys existed.")
      .def("flush_all", &PyClient::FlushAll, py::arg("delay") = 0, "flush_all on every node of every shard.")
      .def("shard_for", &PyClient::ShardFor, py::arg("key"),
           "The index (into servers) of the shard the key maps to now.")
      .def_property_readonly("servers", &PyClient::Servers, "Each shard's nodes, preferred first.")
      .def("is_ejected", &PyClient::IsEjected, py::arg("shard"),
           "True while the shard is out of the ring (all its nodes down).");
}
