// The binding sample: every construct `numbast emit` binds, with definitions so kernels run.
#pragma once

// Free functions, overloads, default arguments.
__device__ inline int add(int a, int b) { return a + b; }
__device__ inline float add(float a, float b) { return a + b + 0.5f; }
__host__ __device__ inline double scale(double x, double factor = 2.0) { return x * factor; }
#if !defined(__CUDACC_RTC__)  // NVRTC rejects host functions; clang sees this one
__host__ inline int host_only(int x) { return x; }
#endif

// Enums.
enum Color { Red, Green = 5, Blue };
enum class Mode : unsigned char { Fast = 1, Exact = 2 };
__device__ inline int color_code(Color c) { return static_cast<int>(c) * 10; }
__device__ inline int mode_bits(Mode m) { return static_cast<int>(m) << 4; }

// A plain record: a Numba struct model, field access, operators free / member / friend.
struct Vec2 {
    float x, y;
    __device__ Vec2() : x(0), y(0) {}
    __device__ Vec2(float a, float b) : x(a), y(b) {}
    __device__ float dot(const Vec2 &o) const { return x * o.x + y * o.y; }
    __device__ Vec2 operator-() const { return Vec2(-x, -y); }
    __device__ bool operator==(const Vec2 &o) const { return x == o.x && y == o.y; }
    __device__ friend Vec2 operator*(const Vec2 &a, float s) { return Vec2(a.x * s, a.y * s); }
};
__device__ inline Vec2 operator+(const Vec2 &a, const Vec2 &b) { return Vec2(a.x + b.x, a.y + b.y); }
/** The squared length of `v`. */ __device__ inline float length2(Vec2 v) { return v.dot(v); }

/// A record whose methods modify it: bound by reference, so c.bump() changes c.
class Counter {
public:
    __device__ Counter() : value_(0), step_(1) {}
    __device__ explicit Counter(int start) : value_(start), step_(1) {}
    __device__ Counter(int start, int step) : value_(start), step_(step) {}
    /// Advances by `times` steps.
    __device__ void bump(int times = 1) { value_ += step_ * times; }
    __device__ int value() const { return value_; }
    __device__ void read_into(int &dst) const { dst = value_; }
    __device__ Counter &operator+=(int n) { value_ += n; return *this; }
    __device__ static int zero() { return 0; }
    __device__ explicit operator int() const { return value_; }
private:
    int value_;
    int step_;
};
__device__ inline int read_counter(Counter c) { return c.value(); }

// Converting constructor (implicit) and a conversion operator.
struct Meters {
    float value;
    __device__ Meters(float v) : value(v) {}
    __device__ operator float() const { return value; }
};
__device__ inline Meters twice_distance(Meters m) { return Meters(m.value * 2.0f); }

// Bitfields: layout kept opaque, still constructed and passed by value.
struct Flags {
    unsigned ready : 1;
    unsigned level : 7;
    __device__ Flags(unsigned r, unsigned l) : ready(r), level(l) {}
    __device__ unsigned packed() const { return ready | (level << 1); }
};

// Pointers (CPointer) and fixed arrays (UniTuple fields).
__device__ inline void fill(float *out, int n, float value) {
    for (int i = 0; i < n; ++i) out[i] = value + i;
}
struct Triple {
    int v[3];
    __device__ Triple(int a, int b, int c) { v[0] = a; v[1] = b; v[2] = c; }
    __device__ int sum() const { return v[0] + v[1] + v[2]; }
};

// Reference parameters the callee writes: argument intents in the binding config.
__device__ inline void swap_values(int &a, int &b) { int t = a; a = b; b = t; }
__device__ inline int divide(int a, int b, int &remainder) { remainder = a % b; return a / b; }
__device__ inline void sincos_pair(float x, float &s, float &c) { s = x * 2.0f; c = x * 3.0f; }
__device__ inline void twice_in_place(float &x) { x *= 2.0f; }
__device__ inline void store_double(int v, int &dst) { dst = 2 * v; }

// Typedefs and constants.
typedef Vec2 vec2_t;
typedef float real_t;
constexpr int kWarpSize = 32;
constexpr double kHalf = 0.5;
#define SAMPLE_LIMIT 1024
