// A trailing comma in a template argument list: nvcc accepts it (cuBLASDx's instruction
// database has them), clang does not.
#pragma once

template <typename... Ts>
struct type_list {};

struct First {};
struct Second {};

using both = type_list<
    First,
    Second,
>;

__device__ inline int answer() { return 42; }
