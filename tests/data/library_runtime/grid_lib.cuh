// A library whose collective needs a cooperative launch (a grid-wide barrier), and whose
// Python side is imported with its bindings and initialises each CUDA module a kernel loads
// (as NVSHMEM's nvshmem4py does).
#pragma once
#include <cooperative_groups.h>

// Every thread of the grid adds x to *total; after the grid-wide barrier each sees the sum.
__device__ inline int grid_total_collective(int *total, int x) {
    cooperative_groups::grid_group grid = cooperative_groups::this_grid();
    atomicAdd(total, x);
    grid.sync();
    return atomicAdd(total, 0);
}

__device__ inline int grid_plain(int x) { return x + 1; }
