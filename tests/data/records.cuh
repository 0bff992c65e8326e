// Records: struct / class / union, layout, bitfields, access, bases, special members.
#pragma once

struct Plain {
    char c;
    double d;
    int i;
};

union Bits {
    unsigned int u;
    float f;
};

struct Flags {
    unsigned int ready : 1;
    unsigned int mode : 3;
    unsigned int : 0;
    unsigned int count : 12;
};

class Counter {
public:
    __device__ Counter();
    __device__ explicit Counter(int start);
    __device__ Counter(const Counter &other);
    __device__ Counter(Counter &&other);
    __device__ Counter(int start, int step);
    __device__ ~Counter();
    __device__ void bump(int by = 1);
    __device__ int value() const;
    __device__ int take() &&;
    __device__ static int zero();
    __device__ explicit operator int() const;
    __device__ operator bool() const;
    __device__ Counter &operator=(const Counter &other);
protected:
    int step_;
private:
    int value_;
    mutable int reads_;
};

struct Shape {
    virtual ~Shape();
    virtual float area() const = 0;
};

struct Square : public Shape {
    float side;
    float area() const override;
};

template <typename Derived>
struct Base {
    __device__ Derived &self();
};

struct Impl : Base<Impl> {
    int payload;
};

struct Outer {
    struct Inner {
        int a;
    };
    enum Mode { kFast, kSlow };
    Inner inner;
    union {
        int as_int;
        float as_float;
    };
    struct {
        short lo, hi;
    } halves;
    Mode mode;
};

struct Opaque;
__device__ void use_opaque(Opaque *p);
