"""`serve --default-access`: the access level of meetings made without one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.server.conftest import Connect
from visio_desktop.cli import main
from visio_desktop.core.protocol import Waiting
from visio_desktop.core.roles import Access
from visio_desktop.server.limits import Limits
from visio_desktop.server.state import ServerConfig


@pytest.fixture
def config(limits: Limits) -> ServerConfig:
    return ServerConfig(host="127.0.0.1", port=0, limits=limits, default_access=Access.LOBBY)


def test_serve_passes_the_default_access_and_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[ServerConfig] = []

    def run_serve(config: ServerConfig) -> int:
        seen.append(config)
        return 0

    monkeypatch.setattr("visio_desktop.app.run_serve", run_serve)
    assert main(["serve", "--default-access", "lobby", "--data-dir", str(tmp_path)]) == 0
    assert seen[0].default_access is Access.LOBBY and seen[0].data_dir == tmp_path
    assert main(["serve"]) == 0
    assert seen[1].default_access is Access.OPEN and seen[1].data_dir is None


async def test_an_ad_hoc_room_gets_the_default_access(client: Connect) -> None:
    a, b = await client(), await client()
    joined = await a.join("Alice")  # the first joiner is host, and enters
    assert joined.room_state.access is Access.LOBBY
    assert isinstance(await b.knock("Bob"), Waiting)
