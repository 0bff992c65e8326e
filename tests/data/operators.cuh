// Operators: free, member and hidden-friend.
#pragma once

struct Vec2 {
    float x, y;
    __device__ Vec2 operator-() const;
    __device__ Vec2 &operator+=(const Vec2 &o);
    __device__ float operator[](int i) const;
    __device__ bool operator==(const Vec2 &o) const;
    __device__ friend Vec2 operator*(const Vec2 &a, float s) { return Vec2{a.x * s, a.y * s}; }
};

__device__ Vec2 operator+(const Vec2 &a, const Vec2 &b);
__device__ Vec2 operator<<(const Vec2 &a, int shift);
__device__ bool operator<(const Vec2 &a, const Vec2 &b);
