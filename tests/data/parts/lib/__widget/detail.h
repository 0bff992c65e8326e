#pragma once
#include <lib/std/widget>

namespace lib {
__device__ inline int detail_size() { return 4; }
}  // namespace lib
