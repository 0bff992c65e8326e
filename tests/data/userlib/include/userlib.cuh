// A library author's own header: a record, inline functions, functions defined in the
// library's .cu (src/userlib.cu), and a macro the build must give (-D USERLIB_SCALE=...).
#pragma once

#ifndef USERLIB_SCALE
#error "userlib.cuh needs USERLIB_SCALE (canopy dump -D USERLIB_SCALE=...)"
#endif

#include "userlib_detail.h"

struct Point {
  float x, y;
  __device__ Point(float a, float b) : x(a), y(b) {}
};

__device__ inline float dot(Point a, Point b) { return a.x * b.x + a.y * b.y; }

__device__ inline Point scaled(Point p) {
  return Point(userlib::detail::scale(p.x), userlib::detail::scale(p.y));
}

// Defined in src/userlib.cu.
__device__ float poly(float x);
__device__ int gcd(int a, int b);
