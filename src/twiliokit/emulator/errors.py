"""Twilio's error responses: ``{code, message, more_info, status}`` with the right HTTP status."""

from __future__ import annotations

from starlette.responses import JSONResponse


class ApiError(Exception):
    """An error the emulator answers exactly as Twilio would."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        retry_after: float | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.detail = detail

    def response(self) -> JSONResponse:
        body: dict[str, object] = {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        headers = {}
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        if self.retry_after is not None:
            headers["Retry-After"] = str(int(self.retry_after))
        return JSONResponse(body, status_code=self.status, headers=headers)


def not_found(path: str) -> ApiError:
    """Twilio's 404 for a resource that does not exist."""
    return ApiError(404, 20404, f"The requested resource {path} was not found")


def unauthorized() -> ApiError:
    return ApiError(
        401, 20003, "Authenticate", detail="Your AccountSid or AuthToken was incorrect."
    )


def test_credentials_forbidden(path: str) -> ApiError:
    """Test credentials only reach the 2010 create endpoints for Messages, Calls and numbers."""
    return ApiError(403, 20008, f"Resource not accessible with Test Account Credentials: {path}")


def missing_param(name: str, code: int = 21604) -> ApiError:
    return ApiError(400, code, f"A '{name}' parameter is required.")


def invalid_param(name: str, value: object, code: int) -> ApiError:
    return ApiError(400, code, f"Invalid parameter '{name}': {value!r}")
