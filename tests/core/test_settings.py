"""Settings: the signing secret is configured, or generated once into the data directory; production
refuses to start without a good one."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from wowdesk.main import build_runtime
from wowdesk.settings import SECRET_FILE, Settings


def settings(data_dir: Path, **values: Any) -> Settings:
    url = f"sqlite+aiosqlite:///{data_dir / 'wowdesk.db'}"
    return Settings(_env_file=None, data_dir=data_dir, database_url=url, **values)


def test_secret_key_is_generated_once_with_mode_0600_and_reused(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "data"  # the directory does not exist yet
    key = settings(data).resolved_secret_key()
    path = data / SECRET_FILE
    assert len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert settings(data).resolved_secret_key() == key  # the next start (another process) reuses it
    assert settings(tmp_path / "elsewhere").resolved_secret_key() != key


def test_a_configured_secret_wins_and_writes_no_file(tmp_path: Path) -> None:
    secret = "s" * 40
    assert settings(tmp_path, secret_key=secret).resolved_secret_key() == secret
    assert not (tmp_path / SECRET_FILE).exists()


def test_production_without_a_secret_refuses_to_start(tmp_path: Path) -> None:
    s = settings(tmp_path, env="production")
    with pytest.raises(ValueError, match="WOWDESK_SECRET_KEY must be set in production mode"):
        build_runtime(s)
    assert not (tmp_path / SECRET_FILE).exists(), "production must not fall back to a generated key"


@pytest.mark.parametrize("env", ["production", "development"])
def test_a_short_secret_is_refused(tmp_path: Path, env: str) -> None:
    s = settings(tmp_path, env=env, secret_key="too-short")
    with pytest.raises(ValueError, match="at least 32 characters"):
        build_runtime(s)


def test_an_empty_secret_counts_as_unset(tmp_path: Path) -> None:
    assert settings(tmp_path, secret_key="").secret_key is None
    with pytest.raises(ValueError, match="must be set in production"):
        settings(tmp_path, env="production", secret_key="").resolved_secret_key()
