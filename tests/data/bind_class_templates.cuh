// Class templates: specializations made in a kernel, by keywords or by deduction.
#pragma once

template <typename T, int N = 4>
struct Accum {
    T total[N];
    __device__ Accum() { for (int i = 0; i < N; ++i) total[i] = T(0); }
    __device__ explicit Accum(T start) { for (int i = 0; i < N; ++i) total[i] = start; }
    __device__ void add(T x, int lane) { total[lane % N] += x; }
    __device__ T sum() const { T s = T(0); for (int i = 0; i < N; ++i) s += total[i]; return s; }
    __device__ int size() const { return N; }
    __device__ T dot(const T *w) const { T s = T(0); for (int i = 0; i < N; ++i) s += total[i] * w[i]; return s; }
};

template <typename A, typename B>
struct Pair {
    A first;
    B second;
    __device__ Pair(A a, B b) : first(a), second(b) {}
    __device__ A get_first() const { return first; }
    __device__ B get_second() const { return second; }
};

// Methods of a base class template and a member template taking a forwarding reference:
// C++ resolves the call and NVRTC names its result.
template <typename T>
struct Scaled {
    T factor;
    __device__ T scale(T x) const { return x * factor; }
    template <typename U>
    __device__ auto times(U &&u) const -> decltype(u * factor) { return u * factor; }
};

template <typename T>
struct Meter : public Scaled<T> {
    __device__ explicit Meter(T f) { this->factor = f; }
    __device__ Pair<T, int> tagged(int tag) const { return Pair<T, int>(this->factor, tag); }
};

// A result that is a specialization only C++ spells (`Meter<T>`).
template <typename T>
__device__ Meter<T> make_meter(T f) { return Meter<T>(f); }

// Functions and operators over a specialization (`const Pair<A, B> &`): A and B deduced from
// the argument's template arguments, as C++ deduces them; C++ picks the more specialized
// `first_of` for a Pair.
template <typename A, typename B>
__device__ A first_of(const Pair<A, B> &p) { return p.first; }

template <typename T>
__device__ T first_of(T x) { return x; }

template <typename A, typename B>
__device__ Pair<A, B> operator+(const Pair<A, B> &x, const Pair<A, B> &y) {
    return Pair<A, B>(x.first + y.first, x.second + y.second);
}

template <typename A, typename B>
__device__ bool operator==(const Pair<A, B> &x, const Pair<A, B> &y) {
    return x.first == y.first && x.second == y.second;
}

template <typename A, typename B>
__device__ Pair<A, B> operator-(const Pair<A, B> &x) { return Pair<A, B>(-x.first, -x.second); }
