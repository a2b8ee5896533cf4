"""Who is acting, and role gates for views.

Views read the actor only through ``current_actor()``; it is the API token's person when the request
carries ``Authorization: Bearer``, otherwise the signed-in browser session's person.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from functools import wraps
from typing import TYPE_CHECKING, Any

from flask import g, request
from flask_login import current_user

from learning_portal.errors import AuthenticationError, PermissionDeniedError
from learning_portal.extensions import login_manager

if TYPE_CHECKING:
    from learning_portal.accounts.models import Person


def current_actor_or_none() -> Person | None:
    api_actor = g.get("api_actor")
    if api_actor is not None:
        return api_actor
    if current_user.is_authenticated:
        return current_user._get_current_object()  # type: ignore[attr-defined]
    return None


def current_actor() -> Person:
    actor = current_actor_or_none()
    if actor is None:
        raise AuthenticationError("Sign in first.")
    return actor


def require_role(*roles: Enum) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let only signed-in people with one of ``roles`` through; no roles means any signed-in person."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor_or_none()
            if actor is None:
                return _unauthenticated()
            if roles and not actor.has_role(*roles):
                raise PermissionDeniedError("Your role does not give access to this page.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


login_required = require_role()


def _unauthenticated() -> Any:
    if request.path.startswith("/api/"):
        raise AuthenticationError("Sign in or send an API token (Authorization: Bearer ...).")
    return login_manager.unauthorized()
