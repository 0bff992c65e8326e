// For headers whose host stream operators name std::basic_ostream / std::basic_istream
// (thrust/complex.h's operator<< and operator>>), which NVRTC's device-only standard library
// lacks: declared here, never defined, so that such a header compiles for the shims. The
// stream operators are never instantiated in a kernel.
#pragma once

#if defined(__CUDACC_RTC__)
namespace std {
template <class CharT, class Traits>
class basic_ostream;
template <class CharT, class Traits>
class basic_istream;
}  // namespace std
#endif
