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
