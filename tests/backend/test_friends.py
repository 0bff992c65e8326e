"""A class template used the way libcu++'s cuda::barrier is (tests/data/friends/pool.cuh): its
parameter's default given by a forward declaration before the definition, its state set up
by hidden friends (`init(counter *, int)`, `twice(const counter &)`: C++ finds them only
through their argument, so the shims call them by their plain name), a specialization named
outside kernels (`counter.specialize(Slots=4)`) as the dtype of a shared array, and a member
taking an rvalue reference (`add(int &&)`), as a free function does (`consume(int &&)`)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import DATA, dump_header

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")
pytest.importorskip("clang.cindex", reason="dumping the sample needs the frontend")

HEADER = DATA / "friends" / "pool.cuh"


def test_forward_declaration_gives_the_default_and_the_definition_the_members():
    from numbast import ir

    doc = dump_header(HEADER)
    (counter,) = [d for d in doc.declarations if d.qualified_name == "pool::counter"]
    assert [(tp.name, tp.default) for tp in counter.template_params] == [
        ("Slots", None),
        ("Tag", "plain_tag"),
    ]
    assert {m.name for m in counter.methods} >= {"add", "total"}
    friends = {d.name: d.friend_of for d in doc.declarations if isinstance(d, ir.Function)}
    friends.pop("consume"), friends.pop("peek")
    assert friends == {"init": counter.id, "twice": counter.id}


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    from bind_helpers import import_file
    from numbast.backend.emit import emit_module, write_module

    tmp = tmp_path_factory.mktemp("friends")
    text, plan = emit_module(dump_header(HEADER), b"", "test")
    write_module(tmp / "pool_bindings.py", text)
    return import_file(tmp / "pool_bindings.py"), plan


def test_hidden_friends_are_called_by_their_plain_name(pool):
    from numbast.backend.runtime import tables as T

    _, plan = pool
    (init,) = [f for f in plan.tables.function_templates if f.name == "init"]
    (o,) = init.overloads
    assert o.friend and o.callee == "init" and o.params[0].pointer
    assert plan.tables.required_version() == (1, 8)
    (peek,) = [f for f in plan.tables.function_templates if f.name == "peek"]
    assert peek.overloads[0].params[0] == T.Specialized("pool::counter<4>")


def _kernel(m, Counter):
    from numba import int32

    init, twice, consume, peek = m.init, m.twice, m.consume, m.peek

    def kernel(out):
        cs = cuda.shared.array(2, Counter)  # __shared__ pool::counter<4> cs[2];
        t = cuda.threadIdx.x
        if t == 0:
            init(cs, int32(10))  # the first element, through the array's data pointer
            cs[0].add(int32(1))
            cs[0].add(int32(2))
            out[0] = cs[0].total()
            out[1] = twice(cs[0])
            out[2] = consume(int32(41))
            p = peek(cs[0], out[3:])  # `int *peek(counter<4> &, int *)`: writes out[3]
            p[1] = p[0] + 1  # the pointer it returns: out[3], so out[4] = out[3] + 1

    return kernel


def test_specialization_is_a_dtype_and_links(pool):
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    m, _ = pool
    Counter = m.counter.specialize(Slots=4)
    assert Counter is m.counter.specialize(Slots=4)
    assert (Counter._numba_type_.size, Counter._numba_type_.alignof_) == (4, 4)
    source = link_kernel(_kernel(m, Counter), (types.int32[::1],), m._bindings.bundle)
    assert "  init(*static_cast<pool::counter<4> * *>(a0)" in source
    assert "->add(static_cast<int &&>(*static_cast<int *>(a1)))" in source
    assert "twice(*static_cast<pool::counter<4> *>(a0))" in source
    assert "pool::consume(static_cast<int &&>(*static_cast<int *>(a0)))" in source
    assert "::new (out) (int *)(pool::peek(*static_cast<pool::counter<4> *>(a0)" in source

    def made(out):  # the class also constructs its specialization in a kernel
        c = Counter()
        out[0] = c.total()

    source = link_kernel(made, (types.int32[::1],), m._bindings.bundle)
    assert "::new (out) pool::counter<4>();" in source
    with pytest.raises(TypeError, match="give each of Slots, Tag without a default"):
        m.counter.specialize()
    with pytest.raises(TypeError, match="Size is not a template parameter of pool::counter"):
        m.counter.specialize(Size=4)
    with pytest.raises(TypeError, match="specialize\\(Slots='many'\\): give each of"):
        m.counter.specialize(Slots="many")  # neither an integer nor an enumerator's name


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
def test_hidden_friends_in_a_kernel(pool):
    m, _ = pool
    out = np.zeros(5, np.int32)
    cuda.jit(_kernel(m, m.counter.specialize(Slots=4)))[1, 32](out)
    assert out.tolist() == [10 + 4 * 1 + 4 * 2, 2 * 22, 42, 22, 23]
