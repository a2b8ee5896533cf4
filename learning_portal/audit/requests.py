"""Tells the audit log which client address each web request comes from."""

from flask import Flask, request

from learning_portal.audit.services import client_address


def init_app(app: Flask) -> None:
    @app.before_request
    def _bind_address() -> None:
        # The peer, or behind PORTAL_PROXY_HOPS proxies the client they name (ProxyFix in create_app).
        client_address.set(request.remote_addr)

    @app.teardown_request
    def _unbind_address(_exc: BaseException | None) -> None:
        client_address.set(None)
