// Function templates bound by deduction, explicit arguments, defaults and specializations.
#pragma once

template <typename T>
__device__ T clamp_to(T x, T lo, T hi) { return x < lo ? lo : (x > hi ? hi : x); }

// An explicit specialization: the shim lets C++ pick it for float.
template <>
__device__ inline float clamp_to<float>(float x, float lo, float hi) { return 42.0f; }

// A defaulted template parameter that cannot be deduced; give it as a keyword to override.
template <typename T, typename U = float>
__device__ U halve(T x) { return static_cast<U>(x) / static_cast<U>(2); }

// Mixed: a template parameter and a concrete one.
template <typename T>
__device__ T scale_by(T x, int factor) { return x * static_cast<T>(factor); }

// Two templates of one name: chosen by arity.
template <typename T>
__device__ T pick(T a) { return a; }
template <typename T>
__device__ T pick(T a, T b) { return a > b ? a : b; }

// Two templates that match the same call: ambiguous in C++, a typing error in a kernel.
template <typename T>
__device__ T either(T a) { return a; }
template <typename T>
__device__ T either(const T &a) { return a + a; }

// A result only C++ knows (`decltype`), through a forwarding reference: asked of NVRTC.
template <typename T>
__device__ auto twice(T &&x) -> decltype(x + x) { return x + x; }

// An integer template parameter, given as a keyword: power(x, N=3).
template <int N, typename T>
__device__ T power(T x) { T r = T(1); for (int i = 0; i < N; ++i) r *= x; return r; }

// One name for a plain function and a template: the keyword picks the template.
__device__ inline int bump(int x) { return x + 1; }
template <int N>
__device__ int bump(int x) { return x + N; }

// Pointers to a template parameter: a contiguous array (device or local) or a pointer.
template <typename T>
__device__ void fill_n(T *out, int n, T value) { for (int i = 0; i < n; ++i) out[i] = value; }
template <typename T>
__device__ T sum_n(const T *values, int n) { T s = T(0); for (int i = 0; i < n; ++i) s += values[i]; return s; }
