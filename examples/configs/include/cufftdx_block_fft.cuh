// A fixed cuFFTDx description for `numbast emit --config examples/configs/cufftdx_block_fft.toml`:
// a 128-point complex-to-complex forward FFT in single precision, executed by one CUDA block
// (8 elements a thread, so 16 threads), for sm_90. cuFFTDx composes a description from
// operators; C++ names its type with decltype, and the bindings bind that type (its execute
// methods, its static members), as the class template cuFFTDx makes it of.
// Write your own the same way: one `using` per FFT your kernels run.
#pragma once
#include <cufftdx.hpp>

namespace block_fft {

using fft128_c2c_forward = decltype(cufftdx::Size<128>() + cufftdx::Precision<float>() +
                                    cufftdx::Type<cufftdx::fft_type::c2c>() +
                                    cufftdx::Direction<cufftdx::fft_direction::forward>() +
                                    cufftdx::ElementsPerThread<8>() + cufftdx::FFTsPerBlock<1>() +
                                    cufftdx::SM<900>() + cufftdx::Block());

}  // namespace block_fft
