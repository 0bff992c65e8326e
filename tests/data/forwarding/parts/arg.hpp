#pragma once
#include "number.hpp"
#include "detail/helper.hpp"  // another folder of the library: not part of this one
namespace parts {
__device__ inline float arg(Number n) { return detail::helper(n.re) + n.im; }
}  // namespace parts
