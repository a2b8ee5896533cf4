"""Development runner: ``python app.py`` serves on http://127.0.0.1:5000 (use ``make run``)."""

if __name__ == "__main__":
    from learning_portal import create_app

    create_app().run(host="127.0.0.1", port=5000)
