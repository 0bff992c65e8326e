#pragma once

namespace lib {
namespace std_ {
struct widget_base {
    int count;
};
}  // namespace std_
}  // namespace lib
