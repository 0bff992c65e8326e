// Declarations that exist only for some GPU architectures.
#pragma once

__device__ float everywhere(float x);

#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 800)
__device__ float ampere_and_newer(float x);
#  if defined(SAMPLE_EXTRA)
__device__ float extra(float x);
#  endif
#else
__host__ __device__ float fallback(float x);
#endif

#if !defined(__CUDA_ARCH__) || (__CUDA_ARCH__ >= 900)
__host__ __device__ float hopper_or_host(float x);
#endif
