"""The application's one error type, with a code and structured details.

Services raise `DomainError` (or a subclass named after the domain noun); the admin, the portal
and the API each turn it into a message for their audience in one place.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "invalid"
    default_message = _("操作无法完成")

    def __init__(self, message=None, *, code: str | None = None, details: dict | None = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        # field name (or "__all__") -> list of messages
        self.details = details or {}
        super().__init__(str(self.message))

    def messages(self) -> list[str]:
        out = []
        for field, msgs in self.details.items():
            for m in msgs:
                out.append(f"{field}: {m}" if field != "__all__" else str(m))
        return out or [str(self.message)]


class ValidationFailed(DomainError):
    code = "validation_failed"
    default_message = _("输入有误，请检查后重试")

    @classmethod
    def from_django(cls, exc) -> "ValidationFailed":
        """Wrap a django.core.exceptions.ValidationError, keeping field-level messages."""
        if hasattr(exc, "error_dict"):
            details = {f: [str(m) for e in errs for m in e.messages] for f, errs in exc.error_dict.items()}
        else:
            details = {"__all__": [str(m) for m in exc.messages]}
        return cls(details=details)


class NotFound(DomainError):
    code = "not_found"
    default_message = _("记录不存在或无权访问")


class PermissionDenied(DomainError):
    code = "permission_denied"
    default_message = _("没有执行此操作的权限")


class IllegalTransition(DomainError):
    code = "illegal_transition"
    default_message = _("当前状态不允许此操作")
