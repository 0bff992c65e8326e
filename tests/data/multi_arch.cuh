// Declarations that exist for some GPU architectures only: the preprocessor decides, per arch.
#pragma once

__device__ float everywhere(float x);

#if __CUDA_ARCH__ >= 800
__device__ float ampere_and_later(float x);
#if __CUDA_ARCH__ >= 900
__device__ float hopper_and_later(float x);
#endif
#elif __CUDA_ARCH__ >= 750
__device__ float turing_only(float x);
#endif

#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 1000)
#define MULTI_ARCH_HAS_BLACKWELL 1
#endif

#ifdef MULTI_ARCH_HAS_BLACKWELL
// Guarded by a macro derived from __CUDA_ARCH__: only the preprocessor knows.
struct BlackwellTile {
    int rows;
    int cols;
    __device__ int size() const;
};
__device__ int blackwell_tiles(BlackwellTile t);
#endif

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
__device__ int hopper_features(int x);
#endif

struct Common {
    float value;
#if __CUDA_ARCH__ >= 900
    __device__ float fast() const;
#endif
};
