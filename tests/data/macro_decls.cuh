// Declarations made by macro expansion count as the header's own.
#pragma once

#define DECLARE_UNARY(name) __device__ float name(float x);
#define DECLARE_STRUCT(name, type) struct name { type value; };

DECLARE_UNARY(neg)
DECLARE_UNARY(twice)
DECLARE_STRUCT(Boxed, double)
