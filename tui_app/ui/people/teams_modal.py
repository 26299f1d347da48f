"""The teams, with their member counts; admins add one or rename the highlighted one.

People join and leave teams through the person's edit (the form's Teams field). Team
names are untrusted text: listed through the one cleaner, never as markup.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui_app.client.errors import ApiError, ServerUnreachable
from tui_app.domain.checks import FieldErrors, check_team_name
from tui_app.domain.models import Team
from tui_app.ui.safe import safe_text
from tui_app.ui.session import Session


def team_line(team: Team) -> Text:
    line = safe_text(team.name)
    line.append(f"  {team.members} member{'' if team.members == 1 else 's'}", style="dim")
    return line


class TeamsModal(ModalScreen[bool]):
    """Closes with True when a team changed (the screen reloads its people)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="teams-close", tooltip="Back to People"),
        Binding("ctrl+s", "add_team", "Add team", priority=True, id="teams-add",
                tooltip="Add a team with the name typed below (admins)"),
        Binding("ctrl+r", "rename_team", "Rename", priority=True, id="teams-rename",
                tooltip="Give the highlighted team the name typed below (admins)"),
    ]

    def __init__(self, session: Session, *, may_change: bool) -> None:
        super().__init__()
        self.session = session
        self.may_change = may_change
        self.teams: tuple[Team, ...] = ()
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="teams-dialog"):
            yield Static(Text("Teams", style="bold"), id="teams-title")
            yield OptionList(id="teams-list")
            if self.may_change:
                yield Input(placeholder="a team's name", id="teams-name", compact=True)
                yield Static("", id="teams-error")
                with Horizontal(id="teams-buttons"):
                    yield Button("Rename  ^r", id="teams-rename-button", compact=True)
                    yield Button("Add  ^s", id="teams-add-button", variant="primary",
                                 compact=True)
            else:
                yield Static(Text("Read-only: admins add and rename teams.", style="dim"))
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("add_team", "rename_team") and not self.may_change:
            return None
        return True

    @work(exclusive=True, group="teams-load", exit_on_error=False)
    async def load(self) -> None:
        teams = await self.session.call(lambda api: api.list_teams(), what="Loading teams")
        if teams is None:
            return
        self.teams = teams
        options = self.query_one("#teams-list", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([Option(team_line(t), id=t.id) for t in teams])
        if teams:
            options.highlighted = min(highlighted or 0, len(teams) - 1)

    def _typed_name(self) -> str | None:
        try:
            return check_team_name(self.query_one("#teams-name", Input).value)
        except FieldErrors as errors:
            self._error(errors.by_field().get("name", str(errors)))
            return None

    def _error(self, message: str) -> None:
        self.query_one("#teams-error", Static).update(safe_text(message, "red"))

    @on(Button.Pressed, "#teams-add-button")
    def action_add_team(self) -> None:
        name = self._typed_name()
        if name is not None:
            self._send(None, name)

    @on(Button.Pressed, "#teams-rename-button")
    def action_rename_team(self) -> None:
        index = self.query_one("#teams-list", OptionList).highlighted
        if index is None or index >= len(self.teams):
            self._error("Highlight a team to rename first.")
            return
        name = self._typed_name()
        if name is not None:
            self._send(self.teams[index].id, name)

    @work(exclusive=True, group="teams-change", exit_on_error=False)
    async def _send(self, team_id: str | None, name: str) -> None:
        try:
            if team_id is None:
                await self.session.watching(lambda api: api.create_team(name))
            else:
                await self.session.watching(lambda api: api.rename_team(team_id, name))
        except (ApiError, ServerUnreachable) as error:
            fields = error.field_errors() if isinstance(error, ApiError) else {}
            self._error(fields.get("name") or str(error))
            return
        self.changed = True
        self._error("")
        self.query_one("#teams-name", Input).value = ""
        self.load()

    def action_close(self) -> None:
        self.dismiss(self.changed)
