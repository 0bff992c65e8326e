// Declarations that exist for some GPU architectures only: the preprocessor decides, per arch.
#pragma once

__device__ inline float everywhere(float x) { return x + 1.0f; }

#if __CUDA_ARCH__ >= 800
__device__ inline float ampere_and_later(float x) { return x * 2.0f; }
#if __CUDA_ARCH__ >= 900
__device__ inline float hopper_and_later(float x) { return x * 3.0f; }
#endif
#elif __CUDA_ARCH__ >= 750
__device__ inline float turing_only(float x) { return x - 1.0f; }
#endif

#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 1000)
#define MULTI_ARCH_HAS_BLACKWELL 1
#endif

#ifdef MULTI_ARCH_HAS_BLACKWELL
// Guarded by a macro derived from __CUDA_ARCH__: only the preprocessor knows.
struct BlackwellTile {
    int rows;
    int cols;
    __device__ int size() const { return rows * cols; }
};
__device__ inline int blackwell_tiles(BlackwellTile t) { return t.size(); }
#endif

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
__device__ inline int hopper_features(int x) { return x + 90; }
#endif

struct Common {
    float value;
#if __CUDA_ARCH__ >= 900
    // A member some archs have: verification finds which.
    __device__ float fast() const { return value * 4.0f; }
#endif
};
