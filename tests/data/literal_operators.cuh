// User-defined literal operators (as cuda/std/complex declares `operator""il`): valid C++
// that no Python call can spell. They are skipped with a reason; the rest binds.
#pragma once

struct Meters {
  float value;
};

__device__ inline Meters operator""_m(long double v) { return Meters{static_cast<float>(v)}; }
__device__ inline Meters operator""_m(unsigned long long v) { return Meters{static_cast<float>(v)}; }

__device__ inline Meters longer(Meters a, Meters b) { return a.value > b.value ? a : b; }
