"""Loop nesting: how deep the ``{% for %}`` loops of a parsed template nest."""

from __future__ import annotations

from typing import Any


def loop_depth(tree: Any) -> int:
    """How deep ``{% for %}`` loops nest in a parsed template (a ``jinja2.nodes.Template``).

    A macro's loops count inside the loops it is called from (and the body of a
    ``{% call %}`` inside the macro's loops); a recursive loop counts two levels, and a
    macro calling itself one more level: recursion cannot be bounded here, the time
    and recursion limits stop it.
    """
    from jinja2 import nodes

    macros: dict[str, list[Any]] = {}
    for macro in tree.find_all(nodes.Macro):
        macros.setdefault(macro.name, []).append(macro)
    memo: dict[str, int] = {}

    def macro_depth(name: str) -> int:
        if name not in memo:
            memo[name] = 1  # met again while measured: it calls itself, one level more
            memo[name] = max(
                (depth_of(child, 0) for macro in macros[name] for child in macro.body),
                default=0,
            )
        return memo[name]

    def called_macro(node: Any) -> str | None:
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
            return node.node.name if node.node.name in macros else None
        return None

    def depth_of(node: Any, current: int) -> int:
        if isinstance(node, nodes.Macro):
            return current  # counted where it is called
        if isinstance(node, nodes.For):
            inner = current + (2 if node.recursive else 1)
            best = max(inner, depth_of(node.iter, current))
            for child in [*node.body, *([node.test] if node.test is not None else [])]:
                best = max(best, depth_of(child, inner))
            for child in node.else_:
                best = max(best, depth_of(child, current))
            return best
        if isinstance(node, nodes.CallBlock):
            name = called_macro(node.call)
            inside = current + (macro_depth(name) if name else 0)
            best = max(current, depth_of(node.call, current))
            for child in node.body:
                best = max(best, depth_of(child, inside))
            return best
        best = current
        name = called_macro(node)
        if name is not None:
            best = current + macro_depth(name)
        for child in node.iter_child_nodes():
            best = max(best, depth_of(child, current))
        return best

    return depth_of(tree, 0)
