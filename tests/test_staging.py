"""Previewed uploads kept until confirmed (web.staging), in the app's storage."""

from learning_portal.web import staging


def test_a_staged_file_comes_back_once_and_only_to_its_uploader(app):
    with app.test_request_context():
        tokens = [staging.stage(f"file {i}".encode(), actor_id=7) for i in range(200)]  # any token is a valid key
        assert [staging.staged(t, actor_id=7) for t in tokens] == [f"file {i}".encode() for i in range(200)]
        assert staging.staged(tokens[0], actor_id=8) is None  # someone else's
        assert staging.staged("../../etc/passwd", actor_id=7) is None
        staging.drop(tokens[0], actor_id=7)
        assert staging.staged(tokens[0], actor_id=7) is None  # used up
