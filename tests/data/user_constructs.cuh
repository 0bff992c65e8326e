// C++ that ordinary library headers use, each bound as C++ behaves it (with
// user_constructs.toml for the intents): references written through by function, member and
// class templates; defaulted template parameters; keyword arguments by C++ parameter name;
// an ambiguous call; operators on CUDA's vector types that numba-cuda does not implement.
#pragma once

#include <vector_functions.h>
#include <vector_types.h>

// Function templates writing through references (inout_ptr, out_return).
template <typename T>
__device__ void accumulate(T &acc, T v) {
  acc += v;
}

template <typename T>
__device__ T split(T x, T &frac) {
  T whole = static_cast<T>(static_cast<long long>(x));
  frac = x - whole;
  return whole;
}

// Defaulted template parameters: left to C++ when not given.
template <typename T, int N = 7>
__device__ T times_n(T x) {
  return x * N;
}

template <typename T, typename U = double>
__device__ U widened(T x) {
  return static_cast<U>(x) * 2;
}

// A class template whose members write through references.
template <typename T>
struct Accum {
  T total;
  __device__ Accum() : total(0) {}
  __device__ void add(T v) { total += v; }
  __device__ void read(T &out) const { out = total; }
  __device__ void read_twice(T &out) const { out = total * 2; }
  template <typename U>
  __device__ void read_as(U &out) const {
    out = static_cast<U>(total);
  }
  template <typename U>
  __device__ U scaled(U by, U offset = U(1)) const {
    return static_cast<U>(total) * by + offset;
  }
};

// A class template C++ rejects for some arguments (a typing error quoting the compiler).
template <typename T>
struct Word {
  static_assert(sizeof(T) == 4, "Word needs a 4-byte type");
  T value;
  __device__ Word() : value(0) {}
  __device__ T get() const { return value; }
};

// Keyword arguments by C++ parameter name.
__device__ inline float mix(float a, float b, float t) { return a + t * (b - a); }

struct Span {
  float lo, hi;
  __device__ Span(float low, float high) : lo(low), hi(high) {}
};

template <typename T>
struct Scaled {
  T value;
  __device__ Scaled(T v, T scale) : value(v * scale) {}
  __device__ T get() const { return value; }
};

// A call C++ finds ambiguous.
template <typename T>
__device__ int which(T x) {
  return 1;
}
template <typename T>
__device__ int which(const T &x) {
  return 2;
}

// Operators on CUDA's vector types that numba-cuda does not implement.
__device__ inline float2 operator+(float2 a, float2 b) { return make_float2(a.x + b.x, a.y + b.y); }
__device__ inline float2 operator*(float2 a, float s) { return make_float2(a.x * s, a.y * s); }
