// Includes a sibling header; only this file's declarations are retained by default.
#pragma once
#include "enums.cuh"

__device__ Color next_color(Color c);
