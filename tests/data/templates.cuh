// Templates: function and class templates, parameters of every kind, specializations.
#pragma once

template <typename T>
__device__ T clamp(T x, T lo, T hi);

template <typename T, int N = 4>
__device__ T sum(const T (&values)[N]);

template <typename... Ts>
__device__ int count(Ts... args);

template <>
__device__ float clamp<float>(float x, float lo, float hi);

template <typename T, int N, typename Alloc = void>
struct Storage {
    T data[N];
    __device__ T get(int i) const;
    template <typename U>
    __device__ U as(int i) const;
};

template <typename T>
struct Storage<T, 1> {
    T only;
};

template <>
struct Storage<bool, 8> {
    unsigned char packed;
};

template <template <typename> class Wrap, typename T>
struct Apply {
    Wrap<T> wrapped;
};

enum class Algo { Fast, Exact };

template <Algo A = Algo::Fast, unsigned Bits = 32>
struct Config {
    static constexpr unsigned bits = Bits;
};

template <typename T>
using Quad = Storage<T, 4>;

typedef Storage<float, 3> F3;
using I2 = Storage<int, 2>;
