// Typedefs and using aliases of any type.
#pragma once

struct Pair { int a, b; };
typedef struct Pair pair_t;
typedef int int_alias;
typedef float *float_ptr;
typedef int array4[4];
typedef void (*callback)(int, float);
using handle = const pair_t *;
using int_ref = int &;
typedef unsigned long long u64;
typedef struct { int w; } wrapped_t;

__device__ pair_t make_pair(int_alias a, u64 b);
