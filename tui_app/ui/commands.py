"""Command palette entries for every action (ctrl+p).

Built from the bindings themselves, so the palette, the footer and the help screen
can never disagree: each binding with a description becomes a command named after it,
with its key and tooltip as the help line.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode


def _bindings(node: DOMNode) -> Iterator[Binding]:
    for item in node.BINDINGS:
        if isinstance(item, Binding):
            yield item
        else:  # a (key, action, description) tuple
            yield Binding(*item)


def palette_commands(screen: DOMNode) -> list[tuple[str, str, DOMNode, str]]:
    """(name, help, node, action) for the screen's actions, then the app's; no repeats."""
    seen: set[str] = set()
    found: list[tuple[str, str, DOMNode, str]] = []
    app = screen.app
    for node in (screen, app):
        for binding in _bindings(node):
            # The palette does not list itself.
            if not binding.description or binding.action in seen | {"command_palette"}:
                continue
            seen.add(binding.action)
            key = binding.key_display or app.get_key_display(binding)
            help_text = f"key {key}" + (f" · {binding.tooltip}" if binding.tooltip else "")
            found.append((binding.description, help_text, node, binding.action))
    return found


class AgentKeysCommands(Provider):
    """Every action of the current screen and of the app."""

    def _commands(self) -> list[tuple[str, str, DOMNode, str]]:
        return palette_commands(self.screen)

    async def _run(self, node: DOMNode, action: str) -> None:
        # Actions are looked up on the node that declared the binding (screen or app).
        await self.app.run_action(action, node)

    async def discover(self) -> Hits:
        for name, help_text, node, action in self._commands():
            yield DiscoveryHit(name, partial(self._run, node, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, node, action in self._commands():
            score = max(matcher.match(name), matcher.match(help_text) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(name), partial(self._run, node, action),
                          help=help_text)
