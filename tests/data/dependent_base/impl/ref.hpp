#pragma once
#include "../detail/bases.hpp"

namespace lib {
// Its members come from a base the template arguments choose (as cuda::atomic_ref's do).
template <class T>
struct ref : public detail::ref_impl<T> {
  __device__ ref(T &v) : detail::ref_impl<T>(v) {}
};
}  // namespace lib
