// KeyChooser: the uniform, gaussian and zipf key samplers (see the header
// for the algorithms).
#include "tools/bench/key_chooser.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "absl/strings/str_cat.h"

namespace tandem::bench {

namespace {

// log1p(x) / x and expm1(x) / x, with their Taylor series near 0 where the
// quotient loses precision (s close to 1 makes their argument tiny).
double Log1pOverX(double x) {
  if (std::fabs(x) > 1e-8) return std::log1p(x) / x;
  return 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}
double Expm1OverX(double x) {
  if (std::fabs(x) > 1e-8) return std::expm1(x) / x;
  return 1 + x * 0.5 * (1 + x * (1.0 / 3) * (1 + 0.25 * x));
}

}  // namespace

const char* KeyDistributionName(KeyDistribution d) {
  switch (d) {
    case KeyDistribution::kUniform:
      return "uniform";
    case KeyDistribution::kGaussian:
      return "gaussian";
    case KeyDistribution::kZipf:
      return "zipf";
  }
  return "?";
}

bool ParseKeyDistribution(std::string_view text, KeyDistribution* out) {
  for (KeyDistribution d :
       {KeyDistribution::kUniform, KeyDistribution::kGaussian, KeyDistribution::kZipf}) {
    if (text == KeyDistributionName(d)) {
      *out = d;
      return true;
    }
  }
  return false;
}

std::string KeyChooser::Validate(const KeyChooserSpec& spec) {
  if (spec.keys < 1) return "--keys must be at least 1";
  if (!(spec.zipf_s > 0 && spec.zipf_s <= 10)) return "--zipf-s must be in (0, 10]";
  if (!(spec.stddev >= 0 && std::isfinite(spec.stddev))) {
    return "--key-stddev must be a non-negative number of keys";
  }
  return "";
}

KeyChooser::KeyChooser(const KeyChooserSpec& spec) : spec_(spec) {
  const double n = static_cast<double>(spec_.keys);
  mean_ = (n - 1) / 2;
  stddev_ = spec_.stddev > 0 ? spec_.stddev : n / 6;
  h_x1_ = H(1.5) - 1;
  h_n_ = H(n + 0.5);
  squeeze_ = 2 - HInverse(H(2.5) - h(2));
}

double KeyChooser::h(double x) const { return std::exp(-spec_.zipf_s * std::log(x)); }

// (x^(1-s) - 1) / (1 - s), which tends to log(x) as s -> 1.
double KeyChooser::H(double x) const {
  const double log_x = std::log(x);
  return Expm1OverX((1 - spec_.zipf_s) * log_x) * log_x;
}

double KeyChooser::HInverse(double x) const {
  double t = x * (1 - spec_.zipf_s);
  if (t < -1) t = -1;  // rounding near the left end of the domain
  return std::exp(Log1pOverX(t) * x);
}

uint64_t KeyChooser::NextZipfRank(Rng& rng) const {
  const uint64_t n = spec_.keys;
  while (true) {
    // u is uniform in (h_x1_, h_n_]: the area under the hat function.
    const double u = h_n_ + rng.Unit() * (h_x1_ - h_n_);
    const double x = HInverse(u);
    const double kd = std::clamp(std::floor(x + 0.5), 1.0, static_cast<double>(n));
    const uint64_t k = static_cast<uint64_t>(kd);
    // Accept at once inside the squeeze, else when u lies under the cell's
    // true mass rather than in the hat's excess over it.
    if (kd - x <= squeeze_ || u >= H(kd + 0.5) - h(kd)) return k;
  }
}

uint64_t KeyChooser::NextGaussian(Rng& rng) const {
  const double max_index = static_cast<double>(spec_.keys - 1);
  double v = mean_;
  for (int attempt = 0; attempt < 64; ++attempt) {
    // Box-Muller: one normal variate from two uniforms (u1 in (0, 1]).
    const double u1 = 1 - rng.Unit();
    const double u2 = rng.Unit();
    const double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
    v = std::nearbyint(mean_ + stddev_ * z);
    if (v >= 0 && v <= max_index) return static_cast<uint64_t>(v);
  }
  return static_cast<uint64_t>(std::clamp(v, 0.0, max_index));
}

}  // namespace tandem::bench
