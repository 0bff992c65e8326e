"""Reading, checking and writing api.json documents."""

from __future__ import annotations

import array
import itertools
import os
import re
from pathlib import Path

import msgspec

from .errors import IRError
from .files import relocate, write_atomic
from .model import RECORD_KINDS, APIDocument
from .version import IR_MINOR, MIGRATIONS, check_compatible

_PATH_SUFFIX = re.compile(r"^(?P<msg>.*?) - at `(?P<path>\$[^`]*)`$", re.S)
_encoder = msgspec.json.Encoder()


def _validation_error(exc: msgspec.MsgspecError, source: str | None) -> IRError:
    text = str(exc)
    m = _PATH_SUFFIX.match(text)
    if m:
        return IRError(m["msg"], m["path"], source)
    return IRError(text, "$", source)


def _drop_unknown(obj: object, info: msgspec.inspect.Type) -> object:
    """Remove fields a newer MINOR added (they are optional by the versioning rules)."""
    mi = msgspec.inspect
    if isinstance(info, mi.UnionType):
        if isinstance(obj, dict):
            for t in info.types:
                if (
                    isinstance(t, mi.StructType)
                    and t.tag is not None
                    and obj.get(t.tag_field) == t.tag
                ):
                    return _drop_unknown(obj, t)
            structs = [t for t in info.types if isinstance(t, mi.StructType)]
            if len(structs) == 1:
                return _drop_unknown(obj, structs[0])
        if isinstance(obj, list):
            lists = [t for t in info.types if isinstance(t, mi.ListType)]
            if lists:
                return _drop_unknown(obj, lists[0])
        return obj
    if isinstance(info, mi.ListType) and isinstance(obj, list):
        return [_drop_unknown(x, info.item_type) for x in obj]
    if isinstance(info, mi.StructType) and isinstance(obj, dict):
        fields = {f.encode_name: f for f in info.fields}
        keep = {}
        for key, value in obj.items():
            if key == info.tag_field:
                keep[key] = value
            elif key in fields:
                keep[key] = _drop_unknown(value, fields[key].type)
        return keep
    return obj


# Real documents nest about 20 levels (types inside types inside declarations); anything far
# deeper is refused before any recursive code (ours or msgspec's) sees it.
MAX_DEPTH = 200
_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"


_BRACKETS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[{]}")


def _depth_bound(data: bytes | str) -> int:
    """An upper bound of the JSON nesting (brackets in strings count too), at C speed: the
    exact walk below runs only when this bound is high."""
    if isinstance(data, str):
        data = data.encode()
    steps = array.array("b", data.translate(_BRACKETS, _NOT_BRACKETS))
    return max(itertools.accumulate(steps), default=0)


def _too_deep(raw: object) -> str | None:
    """The JSON path of the first value nested deeper than MAX_DEPTH, or None."""
    stack = [(raw, "$", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return path
        if isinstance(value, dict):
            stack.extend((v, f"{path}.{k}", depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value))
    return None


def loads(
    data: bytes | str, source: str | None = None, folder: str | os.PathLike | None = None
) -> APIDocument:
    """Decode an api.json document strictly, checking its version first. `folder` is where
    the document was read from: its user include folders are made absolute against it.

    Raises IRError with the JSON path of the first fault.
    """
    try:
        raw = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise IRError(f"not valid JSON: {exc}", "$", source) from None
    except RecursionError:
        raise IRError(_TOO_DEEP, "$", source) from None
    deep = _too_deep(raw) if _depth_bound(data) > MAX_DEPTH else None
    if deep is not None:
        raise IRError(_TOO_DEEP, deep, source)
    if not isinstance(raw, dict) or not isinstance(raw.get("header"), dict):
        raise IRError("expected an object with a 'header' object", "$", source)
    header = raw["header"]
    from .version import IR_FORMAT

    if header.get("format") != IR_FORMAT:
        raise IRError(
            f"not a {IR_FORMAT} document (format={header.get('format')!r})",
            "$.header.format",
            source,
        )
    try:
        major, minor = check_compatible(header.get("version"))
    except IRError as exc:
        raise IRError(exc.message, exc.path, source) from None
    while major in MIGRATIONS:
        raw = MIGRATIONS[major](raw)
        major, minor = check_compatible(raw["header"]["version"])
    if minor > IR_MINOR:
        raw = _drop_unknown(raw, msgspec.inspect.type_info(APIDocument))
    try:
        doc = msgspec.convert(raw, APIDocument, strict=True)
    except msgspec.ValidationError as exc:
        raise _validation_error(exc, source) from None
    return doc if folder is None else _absolute_roots(doc, folder)


def _absolute_roots(doc: APIDocument, folder: str | os.PathLike) -> APIDocument:
    """The document with each user include root's `dir` made absolute against `folder`."""
    roots = doc.header.include_roots
    if all(r.dir is None or os.path.isabs(r.dir) for r in roots):
        return doc
    dirs = iter(root_folders(doc, folder))
    fixed = [r if r.dir is None else msgspec.structs.replace(r, dir=next(dirs)) for r in roots]
    header = msgspec.structs.replace(doc.header, include_roots=fixed)
    return msgspec.structs.replace(doc, header=header)


def load(path: str | os.PathLike) -> APIDocument:
    """Read an api.json file (`-` reads standard input)."""
    if str(path) == "-":
        import sys

        return loads(sys.stdin.buffer.read(), "<stdin>")
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise IRError(f"cannot read: {exc.strerror}", None, str(path)) from None
    return loads(data, str(path), p.resolve().parent)


def dumps(doc: APIDocument) -> bytes:
    """Encode a document as indented JSON, deterministically (field order is the Structs')."""
    return msgspec.json.format(_encoder.encode(doc), indent=1) + b"\n"


def save(doc: APIDocument, path: str | os.PathLike) -> None:
    """Write a document atomically, its user include folders relative to the file's folder."""
    write_atomic(path, relocate(dumps(doc), Path(path).resolve().parent))


def root_folders(doc: APIDocument, folder: str | os.PathLike) -> list[str]:
    """The absolute folders of the user include roots, for an IR file read from `folder`."""
    return [
        os.path.normpath(os.path.join(folder, root.dir))
        for root in doc.header.include_roots
        if root.dir is not None
    ]


def _name_errors(doc: APIDocument) -> list[IRError]:
    """Every name that is not C++ (`cpp_names`): such text would be no declaration at all."""
    from . import cpp_names
    from .model import Enum, Macro

    errors = []

    def need(ok: bool, name: str, path: str, what: str) -> None:
        if not ok:
            errors.append(IRError(f"not {what}: {name!r}", path))

    for i, d in enumerate(doc.declarations):
        p = f"$.declarations[{i}]"
        if isinstance(d, Macro):
            need(cpp_names.is_identifier(d.name), d.name, f"{p}.name", "a C++ identifier")
            continue
        need(cpp_names.is_name(d.name), d.name, f"{p}.name", "a C++ name")
        qualified = d.qualified_name
        need(cpp_names.is_qualified(qualified), qualified, f"{p}.qualified_name", "a C++ name")
        if isinstance(d, RECORD_KINDS):
            for j, f in enumerate(d.fields):
                if f.name:
                    ok = cpp_names.is_identifier(f.name)
                    need(ok, f.name, f"{p}.fields[{j}].name", "a C++ identifier")
            for j, m in enumerate(d.methods):
                need(cpp_names.is_name(m.name), m.name, f"{p}.methods[{j}].name", "a C++ name")
        if isinstance(d, Enum):
            for j, e in enumerate(d.enumerators):
                ok = cpp_names.is_identifier(e.name)
                need(ok, e.name, f"{p}.enumerators[{j}].name", "a C++ identifier")
    return errors


def _arch_errors(doc: APIDocument) -> list[IRError]:
    """Every arch spelled as one; a declaration's archs among those the header says."""
    from .arch import Arch, ArchError

    errors = []
    spelled = [("$.header.arch", doc.header.arch)]
    spelled += [(f"$.header.archs[{k}]", a) for k, a in enumerate(doc.header.archs)]
    for path, text in spelled:
        try:
            Arch.parse(text, path)
        except ArchError as exc:
            errors.append(IRError(str(exc).split(": ", 1)[1], path))
    dumped = set(doc.header.archs) or {doc.header.arch}
    for i, decl in enumerate(doc.declarations):
        for k, a in enumerate(decl.archs or ()):
            if a not in dumped:
                where = f"$.declarations[{i}].archs[{k}]"
                errors.append(IRError(f"{a!r} is not an arch the header lists", where))
    return errors


def check(doc: APIDocument) -> list[IRError]:
    """Semantic checks the schema cannot express: unique ids, resolvable references."""
    errors: list[IRError] = []
    known: dict[str, str] = {}

    def claim(ident: str, path: str) -> None:
        if ident in known:
            errors.append(IRError(f"duplicate id {ident!r} (first at {known[ident]})", path))
        else:
            known[ident] = path

    errors += _name_errors(doc) + _arch_errors(doc)
    for i, decl in enumerate(doc.declarations):
        claim(decl.id, f"$.declarations[{i}].id")
        if isinstance(decl, RECORD_KINDS):
            members = [("constructors", m) for m in decl.constructors]
            members += [("methods", m) for m in decl.methods]
            for j, (group, m) in enumerate(members):
                k = j if group == "constructors" else j - len(decl.constructors)
                claim(m.id, f"$.declarations[{i}].{group}[{k}].id")
            if decl.destructor is not None:
                claim(decl.destructor.id, f"$.declarations[{i}].destructor.id")

    def refer(ident: str | None, path: str) -> None:
        if ident is not None and ident not in known:
            errors.append(IRError(f"refers to unknown id {ident!r}", path))

    for i, decl in enumerate(doc.declarations):
        refer(decl.parent, f"$.declarations[{i}].parent")
        if isinstance(decl, RECORD_KINDS):
            for j, n in enumerate(decl.nested):
                refer(n, f"$.declarations[{i}].nested[{j}]")
    for i, edge in enumerate(doc.edges):
        refer(edge.source, f"$.edges[{i}].from")
        refer(edge.target, f"$.edges[{i}].to")
    return errors
