// Included by userlib.cuh from its own folder.
#pragma once

namespace userlib {
namespace detail {
__device__ inline float scale(float v) { return v * USERLIB_SCALE; }
}  // namespace detail
}  // namespace userlib
