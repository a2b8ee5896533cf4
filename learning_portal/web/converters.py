"""URL converters. Ids in paths are database integers: a number past the column's range is a 404, not an
overflow in the database driver."""

from werkzeug.routing import IntegerConverter

from learning_portal.db import ID_MAX


class IdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app) -> None:
    app.url_map.converters["int"] = IdConverter  # before the blueprints add their rules
