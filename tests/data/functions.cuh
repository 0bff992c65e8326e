// Free functions: overloads, execution spaces, defaults, variadics, qualifiers.
#pragma once

__device__ int add(int a, int b);
__device__ float add(float a, float b);
__host__ __device__ double add(double a, double b = 1.0);
__host__ int host_only(int x);
int implicit_host(int x);
__global__ void kernel(float *out, const float *in, int n);
__device__ __forceinline__ float scale(float x, float factor = 2.0f) noexcept;
__device__ int sum_all(int count, ...);
__device__ void removed(long) = delete;
__device__ constexpr int square(int x) { return x * x; }
static inline __device__ int internal_helper(int x) { return x + 1; }
__device__ void fill(int *data, unsigned n, int value = int(3) + 4);
__device__ void unnamed_param(int, float);
