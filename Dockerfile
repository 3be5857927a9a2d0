# CoSA case management: one image for the web server, the Celery worker and
# Celery beat (docker-compose.yml chooses the command). Settings come from the
# environment at run time; nothing secret is baked in.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=cosa.settings \
    COSA_VAR_DIR=/var/lib/cosa \
    DJANGO_STATIC_ROOT=/app/staticfiles

WORKDIR /app

# WeasyPrint (the reports' PDFs) draws text with Debian's pango; fontconfig brings a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Run as an unprivileged user, with a home of its own (gunicorn puts its
# control socket there). The two directories are volume mount points: a new
# named volume takes its ownership from the image.
RUN useradd --system --user-group --create-home --home-dir /home/cosa cosa \
    && mkdir -p /var/lib/cosa /app/staticfiles \
    && chown cosa:cosa /var/lib/cosa /app/staticfiles
USER cosa

EXPOSE 8000
CMD ["gunicorn", "cosa.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
