#pragma once

namespace lib {
namespace detail {
template <bool B, class A, class C> struct pick { using type = A; };
template <class A, class C> struct pick<false, A, C> { using type = C; };

template <class T>
struct ref_counting {
  T *p;
  __device__ ref_counting(T &v) : p(&v) {}
  __device__ T add(T x) const { T old = *p; *p = old + x; return old; }
  __device__ T get() const { return *p; }
};

template <class T>
struct ref_reading {
  T *p;
  __device__ ref_reading(T &v) : p(&v) {}
  __device__ T get() const { return *p; }
};

// integers count, other types are only read
template <class T>
using ref_impl = typename pick<(T(3) / 2 == 1), ref_counting<T>, ref_reading<T>>::type;
}  // namespace detail
}  // namespace lib
