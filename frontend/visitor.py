"""The walk over clang's cursors of the retained headers, producing IR declarations and edges."""

from __future__ import annotations

import re

from numbast import ir

from .comments import doc_comment
from .constants import macro_constant
from .guards import ArchGuards
from .ids import IdMaker
from .libclang import (
    FileIndex,
    cindex,
    evaluate,
    is_function_like_macro,
    is_inline_namespace,
    scope_children,
    token_spellings,
)
from .paths import SourceMap
from .types import TypeMapper, referenced_ids

ci = cindex()
CK = ci.CursorKind

_RECORD_CURSORS = {CK.STRUCT_DECL: "struct", CK.CLASS_DECL: "class", CK.UNION_DECL: "union"}
_SCOPE_KINDS = (CK.NAMESPACE, CK.LINKAGE_SPEC, CK.UNEXPOSED_DECL)
_SCOPE_IDS = {k.value for k in _SCOPE_KINDS}
_MACRO_ID = CK.MACRO_DEFINITION.value
_NAMED_TYPE_IDS = {k.value for k in (*_RECORD_CURSORS, CK.ENUM_DECL)}
_ACCESS = {
    ci.AccessSpecifier.PUBLIC: "public",
    ci.AccessSpecifier.PROTECTED: "protected",
    ci.AccessSpecifier.PRIVATE: "private",
}
_NOEXCEPT = {
    ci.ExceptionSpecificationKind.BASIC_NOEXCEPT,
    ci.ExceptionSpecificationKind.DYNAMIC_NONE,
    ci.ExceptionSpecificationKind.NOTHROW,
}
_EXEC_ATTRS = {CK.CUDAHOST_ATTR, CK.CUDADEVICE_ATTR, CK.CUDAGLOBAL_ATTR}
_ATTRIBUTE = re.compile(r"__attribute__\(\((\w+)")
_OPERATOR = re.compile(r"^operator\s*(?![A-Za-z_])(.+)$")


def _template_kind(cursor):
    """What a template cursor declares: STRUCT_DECL, CXX_METHOD, CONSTRUCTOR, ..."""
    return CK.from_id(ci.conf.lib.clang_getTemplateCursorKind(cursor))


def _split_default(text: str) -> str | None:
    """The default of a template parameter as written: `typename T = int` -> `int`."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        elif (
            ch == "="
            and depth == 0
            and text[i + 1 : i + 2] != "="
            and text[i - 1 : i] not in "<>!="
        ):
            return text[i + 1 :].strip()
    return None


class Walker:
    """Collects declarations from the retained files of one translation unit."""

    def __init__(self, tu, sources: SourceMap):
        self.tu = tu
        self.sources = sources
        self._files_index = FileIndex(sources.is_retained)
        self.ids = IdMaker()
        self.types = TypeMapper(tu, self.ids.of, self.ids.qualify, sources.relative)
        self.decls: dict[str, ir.Declaration] = {}
        # Ids of member functions: an out-of-line definition of one is not a new declaration.
        self.member_ids: set[str] = set()
        self.edges: set[tuple[str, str, str]] = set()
        self._files: dict[str, bytes] = {}
        self._guards: dict[str, ArchGuards] = {}
        self._policy = ci.PrintingPolicy.create(tu.cursor)
        self._policy.set_property(ci.PrintingPolicyProperty.TerseOutput, 1)
        self._triviality: dict[str, tuple[bool, bool]] = {}
        self._pending_specializations: list = []
        self._template_stack: set[str] = set()  # ids of templates being walked
        self._anon_count: dict[str, int] = {}

    # -- entry -----------------------------------------------------------------------------

    def run(self) -> None:
        self._visit_scope(self.tu.cursor, [], None)
        for cursor in self._pending_specializations:
            ident = self.ids.of(cursor)
            if ident not in self.decls:
                self._record(cursor, [], None, None, implicit=True)
        self._library_enums()

    def _library_enums(self) -> None:
        """Enums that retained declarations use, defined in another file of the same user
        library (an -I folder or an input's own: NVSHMEM's `nvshmemx_smem_amount_t` lives
        in device_host/nvshmem_types.h, its function in device/nvshmemx_defines.h). The
        toolkit's own enums (cudaError_t) stay out: CUDA's headers are bound by their own."""
        user_roots = {r.name for r in self.sources.roots if r.user}
        for ident, cursor in sorted(self.types.enums_named.items()):
            if ident in self.decls or cursor.semantic_parent is None:
                continue
            loc = cursor.location
            if loc.file is None or self.sources.relative(loc.file.name)[0] not in user_roots:
                continue
            parent = cursor.semantic_parent
            if parent.kind != CK.TRANSLATION_UNIT and parent.kind not in _SCOPE_KINDS:
                continue  # a member enum comes with its record
            scope = []
            while parent is not None and parent.kind != CK.TRANSLATION_UNIT:
                if parent.kind == CK.NAMESPACE and not is_inline_namespace(parent):
                    scope.insert(0, parent.spelling or "(anonymous namespace)")
                parent = parent.semantic_parent
            definition = cursor.get_definition() or cursor
            if not definition.spelling or self._is_anonymous(definition):
                continue
            self._enum(definition, scope, None, None, None)

    # -- helpers ---------------------------------------------------------------------------

    def arch_guards(self, path: str | None):
        """The `__CUDA_ARCH__` guard map of a retained file (cached with its bytes)."""
        if path is None:
            return None
        guards = self._guards.get(path)
        if guards is None:
            data = self._read(path)
            guards = self._guards[path] = ArchGuards(data.decode("utf-8", "replace"))
        return guards

    def _read(self, name: str) -> bytes:
        data = self._files.get(name)
        if data is None:
            try:
                with open(name, "rb") as fh:
                    data = fh.read()
            except OSError:
                data = b""
            self._files[name] = data
        return data

    def _retained(self, cursor) -> bool:
        return self._files_index.retained(cursor)

    def _location(self, cursor) -> ir.Location:
        loc = cursor.location
        _, rel = self.sources.relative(loc.file.name)
        return ir.Location(file=rel, line=loc.line, column=loc.column)

    def _source(self, extent) -> str:
        """The exact text of a source range (default arguments as written)."""
        start, end = extent.start, extent.end
        if start.file is None or end.file is None or start.file.name != end.file.name:
            return ""
        data = self._read(start.file.name)
        return data[start.offset : end.offset].decode("utf-8", "replace").strip()

    def _edge(self, source: str, target: str, kind: str) -> None:
        if source != target:
            self.edges.add((source, target, kind))

    def _type_edges(self, source: str, t: ir.TypeRef, kind: str) -> None:
        for target in referenced_ids(t):
            self._edge(source, target, kind)

    def _add(self, decl: ir.Declaration) -> None:
        self.decls.setdefault(decl.id, decl)

    def _qualified(self, scope: list[str], name: str) -> str:
        return "::".join([*scope, name]) if scope else name

    # -- scopes ----------------------------------------------------------------------------

    def _visit_scope(self, cursor, scope: list[str], parent) -> None:
        children = scope_children(cursor)
        for i, child in enumerate(children):
            # Most top-level cursors (macros, libc++, CUDA's own headers) are not retained:
            # look at the raw kind id and file handle before building anything else.
            kid = child._kind_id
            if kid in _SCOPE_IDS:
                self._visit_namespace(child, scope, parent)
                continue
            if not self._retained(child):
                continue
            if kid == _MACRO_ID:
                self._macro(child)
                continue
            if self._is_anonymous(child):
                anon_name = self._typedef_name_for(child, children[i + 1 : i + 2])
                if anon_name is None:
                    anon_name = self._name_anonymous(child, parent or _scope_id(scope), scope)
                self._declaration(child, scope, parent, anon_name)
            else:
                self._declaration(child, scope, parent, None)

    def _visit_namespace(self, child, scope: list[str], parent) -> None:
        inner = scope
        if child.kind == CK.NAMESPACE:
            if is_inline_namespace(child):
                self.ids.add_inline_namespace(child.spelling)
            else:
                inner = [*scope, child.spelling or "(anonymous namespace)"]
        if self._extent_retained(child):
            self._visit_scope(child, inner, parent)

    def _name_anonymous(self, cursor, scope_id: str, scope: list[str]) -> str:
        """Name an anonymous record or enum by its position among its scope's anonymous ones."""
        n = self._anon_count.get(scope_id, 0)
        self._anon_count[scope_id] = n + 1
        ident = f"{scope_id}@anon{n}"
        name = f"anon_{_tag_of(cursor)}_{n}"
        self.ids.assigned[cursor.get_usr()] = ident
        loc = cursor.location
        self.types.anonymous[(self.sources.real(loc.file.name), loc.line, loc.column)] = (
            self._qualified(scope, name)
        )
        return name

    def _extent_retained(self, cursor) -> bool:
        start, end = cursor.extent.start.file, cursor.extent.end.file
        return any(f is not None and self.sources.is_retained(f.name) for f in (start, end))

    def _is_anonymous(self, cursor) -> bool:
        if cursor._kind_id not in _NAMED_TYPE_IDS:
            return False
        return not cursor.spelling or cursor.spelling.startswith("(") or cursor.is_anonymous()

    def _typedef_name_for(self, cursor, following) -> str | None:
        """`typedef struct {...} Name;`: the record takes the typedef's name, as C++ does."""
        for nxt in following:
            if nxt.kind == CK.TYPEDEF_DECL:
                decl = nxt.underlying_typedef_type.get_canonical().get_declaration()
                if decl == cursor:
                    return nxt.spelling
        return None

    def _declaration(self, cursor, scope, parent, anon_name, access=None) -> str | None:
        kind = cursor.kind
        if kind in _RECORD_CURSORS:
            return self._record(cursor, scope, parent, anon_name, access=access)
        if kind in (CK.CLASS_TEMPLATE, CK.CLASS_TEMPLATE_PARTIAL_SPECIALIZATION):
            return self._record(cursor, scope, parent, None, access=access)
        if kind == CK.FUNCTION_DECL:
            return self._function(cursor, scope, parent)
        if kind == CK.FUNCTION_TEMPLATE and parent is None:
            return self._function(cursor, scope, parent)
        if kind == CK.ENUM_DECL:
            return self._enum(cursor, scope, parent, anon_name, access)
        if kind in (CK.TYPEDEF_DECL, CK.TYPE_ALIAS_DECL):
            return self._typedef(cursor, scope, parent, access)
        if kind == CK.TYPE_ALIAS_TEMPLATE_DECL:
            return self._alias_template(cursor, scope, parent, access)
        if kind == CK.VAR_DECL:
            return self._variable(cursor, scope, parent, access)
        return None

    # -- functions -------------------------------------------------------------------------

    def _params(self, cursor) -> list[ir.Param]:
        out = []
        for arg in cursor.get_children():
            if arg.kind != CK.PARM_DECL:
                continue
            text = self._source(arg.extent)
            default = _split_default(text) if text else None
            if not text:  # spelled inside a macro expansion: fall back on the AST
                exprs = [sub for sub in arg.get_children() if sub.kind.is_expression()]
                if exprs and "=" in "".join(token_spellings(arg) or []):
                    default = " ".join(token_spellings(exprs[-1]) or []) or None
            out.append(
                ir.Param(
                    name=arg.spelling,
                    type=self.types.ref(arg.type),
                    has_default=default is not None,
                    default=default,
                )
            )
        return out

    def _exec_space(self, cursor) -> str:
        attrs = {c.kind for c in cursor.get_children() if c.kind in _EXEC_ATTRS}
        if CK.CUDAGLOBAL_ATTR in attrs:
            return "global"
        if CK.CUDADEVICE_ATTR in attrs:
            return "host_device" if CK.CUDAHOST_ATTR in attrs else "device"
        return "host"

    def _printed(self, cursor) -> tuple[str, str]:
        """The terse pretty-printed declaration, split into (before the name, after it)."""
        text = cursor.pretty_printed(self._policy)
        name = cursor.spelling
        at = text.find(name + "(") if name else -1
        if at < 0:
            at = text.find(name) if name else -1
        return (text[:at], text[at:]) if at >= 0 else (text, "")

    def _mangled(self, cursor, in_template: bool) -> str | None:
        if in_template or cursor.kind == CK.FUNCTION_TEMPLATE:
            return None
        try:
            return cursor.mangled_name or None
        except Exception:
            return None

    def _function_common(self, cursor, in_template: bool) -> dict:
        head, tail = self._printed(cursor)
        attributes = sorted(
            {a for a in _ATTRIBUTE.findall(head) if a not in ("host", "device", "global")}
        )
        name = cursor.spelling
        op = _OPERATOR.match(name)
        return dict(
            params=self._params(cursor),
            exec_space=self._exec_space(cursor),
            mangled_name=self._mangled(cursor, in_template),
            operator=op.group(1).strip() if op and cursor.kind != CK.CONVERSION_FUNCTION else None,
            variadic=_is_variadic(cursor),
            noexcept=cursor.exception_specification_kind in _NOEXCEPT,
            deleted=bool(re.search(r"=\s*delete\s*$", tail)),
            constexpr=bool(re.search(r"\bconstexpr\b", head)),
            inline=cursor.is_function_inlined() or bool(re.search(r"\binline\b", head)),
            attributes=attributes,
        )

    def _function(self, cursor, scope, parent, friend_of: str | None = None) -> str:
        ident = self.ids.of(cursor)
        if ident in self.decls or ident in self.member_ids:
            return ident
        is_template = cursor.kind == CK.FUNCTION_TEMPLATE
        common = self._function_common(cursor, is_template)
        base = dict(
            id=ident,
            name=cursor.spelling,
            qualified_name=self._qualified(scope, cursor.spelling),
            location=self._location(cursor),
            doc=doc_comment(cursor),
            return_type=self.types.ref(
                cursor.result_type if not is_template else _result_of(cursor)
            ),
            friend_of=friend_of,
            static=cursor.storage_class == ci.StorageClass.STATIC,
            **common,
        )
        if is_template:
            decl = ir.FunctionTemplate(template_params=self._template_params(cursor), **base)
        else:
            tmpl = cursor.specialized_template
            if tmpl is not None and not tmpl.kind.is_invalid():
                base["specializes"] = self.ids.of(tmpl)
                base["template_args"] = self._template_args(cursor)
            decl = ir.Function(**base)
        self._add(decl)
        self._signature_edges(ident, decl.return_type, decl.params)
        if friend_of:
            self._edge(ident, friend_of, "member_of")
        if getattr(decl, "specializes", None):
            self._edge(ident, decl.specializes, "specializes")
        return ident

    def _signature_edges(self, ident: str, ret: ir.TypeRef, params: list[ir.Param]) -> None:
        self._type_edges(ident, ret, "return_type")
        for p in params:
            self._type_edges(ident, p.type, "param_type")

    # -- templates -------------------------------------------------------------------------

    def _template_params(self, cursor) -> list[ir.TemplateParam]:
        out = []
        for c in cursor.get_children():
            if c.kind == CK.TEMPLATE_TYPE_PARAMETER:
                kind, extra = "type", {}
            elif c.kind == CK.TEMPLATE_NON_TYPE_PARAMETER:
                kind, extra = "non_type", {"type": self.types.ref(c.type)}
            elif c.kind == CK.TEMPLATE_TEMPLATE_PARAMETER:
                kind, extra = "template", {"params": self._template_params(c)}
            else:
                continue
            text = self._source(c.extent)
            before = text.split("=", 1)[0]
            if kind == "template":
                before = before.rsplit(">", 1)[-1]
            out.append(
                ir.TemplateParam(
                    kind=kind,
                    name=c.spelling,
                    pack="..." in before,
                    default=_split_default(text.rsplit(">", 1)[-1] if kind == "template" else text),
                    **extra,
                )
            )
        return out

    def _template_args(self, cursor) -> list[ir.TemplateArg]:
        out = []
        n = cursor.get_num_template_arguments()
        TAK = ci.TemplateArgumentKind
        for i in range(max(n, 0)):
            k = cursor.get_template_argument_kind(i)
            if k == TAK.TYPE:
                t = cursor.get_template_argument_type(i)
                out.append(ir.TemplateArg(kind="type", spelling=t.spelling, type=self.types.ref(t)))
            elif k == TAK.INTEGRAL:
                v = str(cursor.get_template_argument_value(i))
                out.append(ir.TemplateArg(kind="integral", spelling=v, value=v))
            else:
                out.append(ir.TemplateArg(kind="other", spelling=""))
        return out

    # -- records ---------------------------------------------------------------------------

    def _record(self, cursor, scope, parent, anon_name, access=None, implicit=False) -> str | None:
        kind = cursor.kind
        if kind in _RECORD_CURSORS and not cursor.is_definition():
            definition = cursor.get_definition()
            if definition is not None and not definition.kind.is_invalid():
                if not self._retained(definition):
                    return None
                if definition != cursor:
                    return self.ids.of(definition)  # reached where it is defined
        ident = self.ids.of(cursor)
        if ident in self.decls:
            return ident
        if kind == CK.CLASS_TEMPLATE or kind == CK.CLASS_TEMPLATE_PARTIAL_SPECIALIZATION:
            tag = _RECORD_CURSORS.get(_template_kind(cursor), "class")
        else:
            tag = _RECORD_CURSORS[kind]
        spelled = _is_specialization(cursor) or kind == CK.CLASS_TEMPLATE_PARTIAL_SPECIALIZATION
        name = anon_name or (cursor.displayname if spelled else cursor.spelling)
        qualified = self._qualified(scope, name)
        in_template = kind not in _RECORD_CURSORS or parent in self._template_stack
        body = self._record_body(cursor, [*scope, name], ident, in_template)
        t = cursor.type
        size = t.get_size() if not in_template else -1
        align = t.get_align() if not in_template else -1
        common = dict(
            id=ident,
            name=name,
            qualified_name=qualified,
            location=self._location(cursor),
            doc=doc_comment(cursor),
            parent=parent,
            access=access,
            tag=tag,
            size=size if size >= 0 else None,
            align=align if align >= 0 else None,
            anonymous=cursor.get_usr() in self.ids.assigned,
            abstract=cursor.is_abstract_record() if not in_template else False,
            **body,
        )
        if not in_template and size >= 0:
            tc, td = self._trivial(cursor)
            common["trivially_copyable"], common["trivially_destructible"] = tc, td
        if kind == CK.CLASS_TEMPLATE:
            decl = ir.ClassTemplate(template_params=self._template_params(cursor), **common)
        elif kind == CK.CLASS_TEMPLATE_PARTIAL_SPECIALIZATION:
            tmpl = cursor.specialized_template
            decl = ir.ClassTemplatePartialSpecialization(
                template_params=self._template_params(cursor),
                specializes=self.ids.of(tmpl),
                template_args=self._partial_args(cursor),
                **common,
            )
        elif _is_specialization(cursor):
            tmpl = cursor.specialized_template
            decl = ir.Record(
                specializes=self.ids.of(tmpl),
                template_args=self._template_args(cursor),
                implicit=implicit,
                **common,
            )
        else:
            decl = ir.Record(**common)
        self._add(decl)
        if parent:
            self._edge(ident, parent, "member_of")
        if getattr(decl, "specializes", None):
            self._edge(ident, decl.specializes, "specializes")
        for f in decl.fields:
            self._type_edges(ident, f.type, "field_type")
        for b in decl.bases:
            self._type_edges(ident, b.type, "base")
        for m in [
            *decl.constructors,
            *decl.methods,
            *([decl.destructor] if decl.destructor else []),
        ]:
            self._edge(m.id, ident, "member_of")
            self._signature_edges(m.id, m.return_type, m.params)
        return ident

    def _partial_args(self, cursor) -> list[ir.TemplateArg]:
        """Arguments of a partial specialization, as written: `Storage<T, 1>` -> `T`, `1`."""
        text = cursor.displayname
        inner = text[text.find("<") + 1 : text.rfind(">")] if "<" in text else ""
        out, depth, cur = [], 0, ""
        for ch in inner:
            if ch in "<([":
                depth += 1
            elif ch in ">)]":
                depth -= 1
            if ch == "," and depth == 0:
                out.append(cur.strip())
                cur = ""
            else:
                cur += ch
        if cur.strip():
            out.append(cur.strip())
        return [ir.TemplateArg(kind="other", spelling=a) for a in out]

    def _record_body(self, cursor, scope, ident, in_template) -> dict:
        fields, bases, ctors, methods, nested = [], [], [], [], []
        destructor = None
        rtype = cursor.type
        is_template = cursor.kind in (CK.CLASS_TEMPLATE, CK.CLASS_TEMPLATE_PARTIAL_SPECIALIZATION)
        if is_template or in_template:
            self._template_stack.add(ident)
        children = list(cursor.get_children())
        for i, c in enumerate(children):
            k = c.kind
            access = _ACCESS.get(c.access_specifier, "public")
            if k == CK.FIELD_DECL:
                offset = c.get_field_offsetof() if not in_template and not is_template else -1
                fields.append(
                    ir.Field(
                        name=c.spelling,
                        type=self.types.ref(c.type),
                        offset=offset if offset >= 0 else None,
                        bitfield_width=c.get_bitfield_width() if c.is_bitfield() else None,
                        access=access,
                        mutable=c.is_mutable_field(),
                    )
                )
            elif k == CK.CXX_BASE_SPECIFIER:
                self._note_instantiation(c.type)
                off = -1
                if not in_template and not is_template:
                    try:
                        off = c.get_base_offsetof(cursor)
                    except Exception:
                        off = -1
                bases.append(
                    ir.Base(
                        type=self.types.ref(c.type),
                        access=access,
                        virtual=c.is_virtual_base(),
                        offset=off // 8 if off >= 0 else None,
                    )
                )
            elif k in (CK.CONSTRUCTOR, CK.DESTRUCTOR, CK.CXX_METHOD, CK.CONVERSION_FUNCTION) or (
                k == CK.FUNCTION_TEMPLATE
            ):
                m = self._method(c, access, in_template or is_template)
                if m.role == "constructor":
                    ctors.append(m)
                elif m.role == "destructor":
                    destructor = m
                else:
                    methods.append(m)
            elif k == CK.FRIEND_DECL:
                for f in c.get_children():
                    if f.kind in (CK.FUNCTION_DECL, CK.FUNCTION_TEMPLATE):
                        self._function(f, scope[:-1], None, friend_of=ident)
            elif self._is_anonymous(c):
                name = self._name_anonymous(c, ident, scope)
                sub = self._declaration(c, scope, ident, name, access)
                if sub:
                    nested.append(sub)
                    if k in _RECORD_CURSORS and not _has_declarator(children, i, c):
                        fields.append(
                            self._anonymous_member(
                                c, rtype, name, access, in_template or is_template
                            )
                        )
            else:
                sub = self._declaration(c, scope, ident, None, access)
                if sub and sub not in nested:
                    nested.append(sub)
        self._template_stack.discard(ident)
        return dict(
            fields=fields,
            bases=bases,
            constructors=ctors,
            destructor=destructor,
            methods=methods,
            nested=nested,
        )

    def _anonymous_member(self, c, rtype, name, access, dependent) -> ir.Field:
        """An anonymous union/struct member: a field named after its derived record name."""
        offset = None
        if not dependent:
            offsets = [rtype.get_offset(f.spelling) for f in c.type.get_fields() if f.spelling]
            offsets = [o for o in offsets if o >= 0]
            offset = min(offsets) if offsets else None
        return ir.Field(name=name, type=self.types.ref(c.type), offset=offset, access=access)

    def _method(self, c, access, in_template) -> ir.Method:
        k = c.kind
        target = _template_kind(c) if k == CK.FUNCTION_TEMPLATE else k
        role = {
            CK.CONSTRUCTOR: "constructor",
            CK.DESTRUCTOR: "destructor",
            CK.CONVERSION_FUNCTION: "conversion",
        }.get(target, "method")
        common = self._function_common(c, in_template)
        if role == "method" and common["operator"]:
            role = "operator"
        ctor_kind = None
        if role == "constructor":
            if c.is_default_constructor():
                ctor_kind = "default"
            elif c.is_copy_constructor():
                ctor_kind = "copy"
            elif c.is_move_constructor():
                ctor_kind = "move"
            elif c.is_converting_constructor():
                ctor_kind = "converting"
            else:
                ctor_kind = "other"
        ref_q = c.type.get_ref_qualifier() if k != CK.FUNCTION_TEMPLATE else None
        ref = {
            ci.RefQualifierKind.LVALUE: "lvalue",
            ci.RefQualifierKind.RVALUE: "rvalue",
        }.get(ref_q, "none")
        head, tail = self._printed(c)
        result = c.result_type if k != CK.FUNCTION_TEMPLATE else _result_of(c)
        self.member_ids.add(self.ids.of(c))
        return ir.Method(
            id=self.ids.of(c),
            name=c.spelling,
            role=role,
            location=self._location(c),
            doc=doc_comment(c),
            return_type=self.types.ref(result),
            access=access,
            ctor_kind=ctor_kind,
            const=c.is_const_method(),
            volatile=bool(re.search(r"\)\s*(const\s*)?volatile\b", tail)),
            ref_qualifier=ref,
            static=c.is_static_method(),
            virtual=c.is_virtual_method(),
            pure=c.is_pure_virtual_method(),
            defaulted=c.is_default_method(),
            explicit=c.is_explicit_method() if role in ("constructor", "conversion") else False,
            template_params=self._template_params(c) if k == CK.FUNCTION_TEMPLATE else None,
            **{key: v for key, v in common.items() if key != "attributes"},
        )

    def _trivial(self, cursor) -> tuple[bool, bool]:
        """(trivially copyable, trivially destructible), from the rules of [class.prop]."""
        usr = cursor.get_usr()
        hit = self._triviality.get(usr)
        if hit is not None:
            return hit
        self._triviality[usr] = (True, True)  # break recursion through pointers' pointees
        copyable, destructible = True, True
        copy_like = 0
        for c in cursor.get_children():
            k = c.kind
            if k == CK.CXX_METHOD and c.is_virtual_method():
                copyable = False
            if k == CK.DESTRUCTOR:
                if c.is_virtual_method() or not (c.is_default_method() or c.is_deleted_method()):
                    copyable = destructible = False
                if c.is_deleted_method():
                    destructible = False
            special = k == CK.CONSTRUCTOR and (c.is_copy_constructor() or c.is_move_constructor())
            special |= k == CK.CXX_METHOD and (
                c.is_copy_assignment_operator_method() or c.is_move_assignment_operator_method()
            )
            if special:
                if not c.is_deleted_method():
                    copy_like += 1
                    if not c.is_default_method():
                        copyable = False
            if k == CK.CXX_BASE_SPECIFIER:
                if c.is_virtual_base():
                    copyable = False
                tc, td = self._trivial_type(c.type)
                copyable, destructible = copyable and tc, destructible and td
            if k == CK.FIELD_DECL:
                tc, td = self._trivial_type(c.type)
                copyable, destructible = copyable and tc, destructible and td
        result = (copyable, destructible)
        self._triviality[usr] = result
        return result

    def _trivial_type(self, t) -> tuple[bool, bool]:
        canon = t.get_canonical()
        while canon.kind in (ci.TypeKind.CONSTANTARRAY, ci.TypeKind.INCOMPLETEARRAY):
            canon = canon.element_type.get_canonical()
        if canon.kind == ci.TypeKind.RECORD:
            return self._trivial(canon.get_declaration())
        return True, True

    # -- enums, typedefs, variables, macros -------------------------------------------------

    def _enum(self, cursor, scope, parent, anon_name, access) -> str | None:
        if not cursor.is_definition():
            return None
        ident = self.ids.of(cursor)
        name = anon_name or cursor.spelling
        decl = ir.Enum(
            id=ident,
            name=name,
            qualified_name=self._qualified(scope, name),
            location=self._location(cursor),
            doc=doc_comment(cursor),
            parent=parent,
            access=access,
            scoped=cursor.is_scoped_enum(),
            underlying=self.types.ref(cursor.enum_type),
            enumerators=[
                ir.Enumerator(name=e.spelling, value=e.enum_value)
                for e in cursor.get_children()
                if e.kind == CK.ENUM_CONSTANT_DECL
            ],
            anonymous=anon_name is not None,
        )
        self._add(decl)
        if parent:
            self._edge(ident, parent, "member_of")
        return ident

    def _typedef(self, cursor, scope, parent, access) -> str:
        ident = self.ids.of(cursor)
        target = self.types.ref(cursor.underlying_typedef_type)
        decl = ir.Typedef(
            id=ident,
            name=cursor.spelling,
            qualified_name=self._qualified(scope, cursor.spelling),
            location=self._location(cursor),
            doc=doc_comment(cursor),
            parent=parent,
            access=access,
            target=target,
            using=cursor.kind == CK.TYPE_ALIAS_DECL,
        )
        self._add(decl)
        self._type_edges(ident, target, "aliases")
        if parent:
            self._edge(ident, parent, "member_of")
        self._note_instantiation(cursor.underlying_typedef_type)
        return ident

    def _note_instantiation(self, t) -> None:
        """A specialization the header names (`typedef Storage<float, 3> F3;`) is recorded."""
        canon = t.get_canonical()
        if canon.kind != ci.TypeKind.RECORD:
            return
        decl = canon.get_declaration()
        if _is_specialization(decl) and decl.kind in _RECORD_CURSORS:
            tmpl = decl.specialized_template
            if tmpl is not None and self._retained(tmpl):
                self._pending_specializations.append(decl)

    def _alias_template(self, cursor, scope, parent, access) -> str:
        ident = self.ids.of(cursor)
        target = None
        for c in cursor.get_children():
            if c.kind == CK.TYPE_ALIAS_DECL:
                target = self.types.ref(c.underlying_typedef_type)
        decl = ir.AliasTemplate(
            id=ident,
            name=cursor.spelling,
            qualified_name=self._qualified(scope, cursor.spelling),
            location=self._location(cursor),
            doc=doc_comment(cursor),
            parent=parent,
            access=access,
            target=target or ir.TypeRef(kind="other", spelling="", canonical="", qualified=""),
            template_params=self._template_params(cursor),
        )
        self._add(decl)
        if parent:
            self._edge(ident, parent, "member_of")
        return ident

    def _variable(self, cursor, scope, parent, access) -> str:
        ident = self.ids.of(cursor)
        head, _ = self._printed(cursor)
        constexpr = bool(re.search(r"\bconstexpr\b", head))
        value = None
        if constexpr or cursor.type.is_const_qualified():
            got = evaluate(cursor)
            if got is not None:
                kind, text = got
                if cursor.type.get_canonical().kind == ci.TypeKind.BOOL and kind == "int":
                    kind, text = "bool", "true" if text != "0" else "false"
                value = ir.Constant(kind=kind, value=text)
        decl = ir.Variable(
            id=ident,
            name=cursor.spelling,
            qualified_name=self._qualified(scope, cursor.spelling),
            location=self._location(cursor),
            doc=doc_comment(cursor),
            parent=parent,
            access=access,
            type=self.types.ref(cursor.type),
            constexpr=constexpr,
            static=cursor.storage_class == ci.StorageClass.STATIC,
            value=value,
        )
        self._add(decl)
        if parent:
            self._edge(ident, parent, "member_of")
        return ident

    def _macro(self, cursor) -> None:
        if cursor.is_macro_builtin() if hasattr(cursor, "is_macro_builtin") else False:
            return
        if is_function_like_macro(cursor):
            return
        tokens = token_spellings(cursor)
        value = macro_constant(tokens[1:]) if tokens else None
        if value is None:
            return
        name = cursor.spelling
        self._add(
            ir.Macro(
                id=f"c:@macro@{name}",
                name=name,
                qualified_name=name,
                location=self._location(cursor),
                doc=doc_comment(cursor),
                value=value,
            )
        )


def _scope_id(scope: list[str]) -> str:
    return "c:" + "".join(f"@N@{n}" for n in scope) if scope else "c:"


def _tag_of(cursor) -> str:
    return "enum" if cursor.kind == CK.ENUM_DECL else _RECORD_CURSORS.get(cursor.kind, "struct")


def _is_specialization(cursor) -> bool:
    if cursor.kind not in _RECORD_CURSORS:
        return False
    tmpl = cursor.specialized_template
    return tmpl is not None and not tmpl.kind.is_invalid()


def _has_declarator(children, i, c) -> bool:
    """`union { ... } u;` declares a named field right after the record; anonymous members don't."""
    nxt = children[i + 1] if i + 1 < len(children) else None
    return (
        nxt is not None
        and nxt.kind == CK.FIELD_DECL
        and nxt.type.get_canonical().get_declaration() == c
    )


def _result_of(cursor):
    """The return type of a function template (its `type` is the templated function's)."""
    return (
        cursor.type.get_result()
        if cursor.type.kind == ci.TypeKind.FUNCTIONPROTO
        else cursor.result_type
    )


def _is_variadic(cursor) -> bool:
    t = cursor.type
    return t.kind == ci.TypeKind.FUNCTIONPROTO and t.is_function_variadic()
