#pragma once
namespace lib {
__device__ inline int twice(int x) { return 2 * x; }
}  // namespace lib
