"""Dev and tests only: a local counterpart's RSA signing key, a committed TEST-ONLY PEM file
named by a setting (relative paths from the repository root). The private half signs what the
counterpart sends; the public half is what the hall verifies with in the dev stage."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@cache
def _private_key(path: Path):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(path.read_bytes(), password=None)


@cache
def _public_pem(path: Path) -> str:
    from cryptography.hazmat.primitives import serialization

    return (
        _private_key(path)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


@dataclass(frozen=True)
class DevSigningKey:
    setting: str  # the Settings field holding the key file's path

    def path(self) -> Path:
        from chalicelib import settings

        path = Path(getattr(settings.get(), self.setting))
        return path if path.is_absolute() else ROOT / path

    def private_key(self):
        return _private_key(self.path())

    def public_key_pem(self) -> str:
        return _public_pem(self.path())
