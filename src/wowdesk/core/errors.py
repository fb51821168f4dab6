"""Domain errors. Each carries its HTTP status and a translatable message; the API turns them
into RFC 9457 problem documents in the caller's language."""

from __future__ import annotations

from typing import Any, ClassVar

from wowdesk.core.i18n import N_, translate


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad-request"
    default_message: ClassVar[str] = N_("The request could not be processed.")

    def __init__(self, message: str | None = None, /, *, extra: dict[str, Any] | None = None, **params: Any):
        self.message = message or self.default_message
        self.params = params
        self.extra = extra or {}
        super().__init__(self.message.format(**params) if params else self.message)

    def localized(self, language: str | None) -> str:
        return translate(self.message, language, **self.params)


class InvalidInput(DomainError):
    status = 422
    code = "invalid-input"
    default_message = N_("The request contains invalid data.")


class NotFound(DomainError):
    status = 404
    code = "not-found"
    default_message = N_("Not found.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = N_("The request conflicts with the current state.")


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    default_message = N_("Authentication is required.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = N_("You do not have permission to do this.")


class TooManyRequests(DomainError):
    status = 429
    code = "too-many-requests"
    default_message = N_("Too many attempts. Try again later.")

    def __init__(self, message: str | None = None, /, *, retry_after: int, **params: Any):
        super().__init__(message, **params)
        self.retry_after = retry_after


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload-too-large"
    default_message = N_("The request body is too large.")


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported-media-type"
    default_message = N_("This type of file is not accepted.")
