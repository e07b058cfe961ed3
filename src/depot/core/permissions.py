from depot.core.errors import PermissionDenied


def require_perm(actor, perm: str, message=None) -> None:
    """Raise PermissionDenied unless `actor` is an active user holding `perm`."""
    if not (actor is not None and actor.is_active and actor.has_perm(perm)):
        raise PermissionDenied(message, details={"__all__": [str(message or PermissionDenied.default_message)]})
