#pragma once
#include <lib/__widget/detail.h>

namespace lib {
struct widget : std_::widget_base {
    __device__ int size() const { return detail_size(); }
};
}  // namespace lib
