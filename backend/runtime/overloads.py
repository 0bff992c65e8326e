"""C++ overload resolution for Numba argument types: which constructor C++ would call for
`Fp8(x)` with x an int8, a float16 or a literal (exact match, then promotion, then
conversion, then user-defined conversion; an ambiguous call is an error listing the
candidates)."""

from __future__ import annotations

from numba.cuda import types

from .records import RecordType

EXACT, PROMOTION, CONVERSION, USER = 0, 1, 2, 3
_PROMOTE_TO_INT = {types.boolean, types.int8, types.uint8, types.int16, types.uint16}
# float16 and bfloat16 are classes in C++ (__half, __nv_bfloat16): conversions to and from
# them are user-defined.
_CLASSES = {types.float16} | ({types.bfloat16} if hasattr(types, "bfloat16") else set())


def _cpp_argument(a):
    """The C++ type a Numba argument stands for: literals as C++ literals are typed."""
    if isinstance(a, types.BooleanLiteral):
        return types.boolean
    if isinstance(a, types.IntegerLiteral):
        v = a.literal_value
        return types.int32 if -(2**31) <= v < 2**31 else types.int64
    if isinstance(a, types.IntEnumMember):  # an unscoped enumerator promotes to int
        return a.dtype, True
    return types.unliteral(a)


def _arithmetic(t) -> bool:
    return isinstance(t, (types.Integer, types.Float, types.Boolean)) and t not in _CLASSES


def rank(a, p) -> int | None:
    """How C++ ranks passing Numba argument type `a` to parameter type `p` (None: it can't)."""
    enum_promotion = False
    a = _cpp_argument(a)
    if isinstance(a, tuple):
        a, enum_promotion = a
    if a == p:
        return PROMOTION if enum_promotion else EXACT
    if isinstance(a, types.Array) and isinstance(p, types.CPointer):
        return EXACT if a.dtype == p.dtype else None
    if _arithmetic(a) and _arithmetic(p):
        if (p == types.int32 and (a in _PROMOTE_TO_INT or enum_promotion)) or (
            a == types.float32 and p == types.float64
        ):
            return PROMOTION
        return CONVERSION
    if a in _CLASSES and _arithmetic(p) or p in _CLASSES and _arithmetic(a):
        return USER
    if (
        isinstance(p, RecordType)
        and a in p.casts_from
        or isinstance(a, RecordType)
        and p in a.casts_to
    ):
        return USER
    return None


def best(candidates, args):
    """The candidate (with `.params`, Numba types) C++ would call with `args`: one, or
    ("ambiguous", [candidates]), or None when none is viable."""
    ranked = []
    for c in candidates:
        if len(c.params) != len(args):
            continue
        ranks = [rank(a, p) for a, p in zip(args, c.params, strict=True)]
        if None not in ranks:
            ranked.append((c, ranks))
    if not ranked:
        return None
    winners = [c for c, r in ranked if all(_better(r, r2) for c2, r2 in ranked if c2 is not c)]
    if len(winners) == 1:
        return winners[0]
    tied = [c for c, r in ranked if not any(_better(r2, r) and r2 != r for _, r2 in ranked)]
    return "ambiguous", tied


def _better(r1, r2) -> bool:
    """r1 is a better conversion sequence than r2 for at least one argument, no worse for any."""
    return all(x <= y for x, y in zip(r1, r2, strict=True)) and any(
        x < y for x, y in zip(r1, r2, strict=True)
    )
