/* numbast shim: clang's CUDA runtime wrapper includes curand_mtgp32_kernel.h only to work
 * around its host-mode redeclarations. This folder is searched after the real CUDA include
 * folders, so an installed curand header wins; without one, this empty stand-in lets headers
 * that do not use cuRAND parse (e.g. another CUDA release's runtime wheel alone). */
#pragma once
