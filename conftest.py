"""Project-wide pytest set-up: say which database the suite runs on."""

import os


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL", "")
    engine = "PostgreSQL" if url.startswith(("postgres", "postgresql")) else "SQLite"
    broker = "Redis" if os.environ.get("REDIS_URL") else "in-memory"
    return [f"cosa database: {engine}; celery broker: {broker}"]
