// A class template used as libcu++'s cuda::barrier is: its parameter's default given by a
// forward declaration, its state set up by a hidden friend taking a pointer to it
// (`init(&p, n)`, found only through its argument), and a member taking an rvalue reference.
#pragma once

namespace pool {

struct plain_tag {};

template <int Slots, class Tag = plain_tag>
class counter;

template <int Slots, class Tag>
class counter {
public:
    counter() = default;
    counter(const counter &) = delete;

    __device__ void add(int &&amount) { total_ += amount * Slots; }
    __device__ int total() const { return total_; }

    __device__ friend void init(counter *c, int start) { c->total_ = start; }
    __device__ friend int twice(const counter &c) { return 2 * c.total_; }

private:
    int total_;
};

// A free function of one specialization (cuda::device::barrier_arrive_tx takes a
// `barrier<thread_scope_block> &`): the class template's Numba type stands for it.
__device__ inline int *peek(counter<4> &c, int *slot) {
    *slot = c.total();
    return slot;
}

// A free function taking an rvalue reference: the shim passes its copy as one.
__device__ inline int consume(int &&amount) { return amount + 1; }

}  // namespace pool
