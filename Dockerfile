# One image for every role; the compose service picks the command (web: daphne, worker: qcluster).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssh-client \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 app
WORKDIR /app
COPY requirements-pip.txt requirements.txt ./
# The pinned, hash-checked pip first (as dev.py does), then the lock with it.
RUN pip install --no-cache-dir --require-hashes -r requirements-pip.txt \
 && pip install --no-cache-dir --require-hashes -r requirements.txt
COPY . .
RUN ENV_FILE=/dev/null SECRET_KEY=build-only CRYPTOGRAPHY_KEY=build-only python manage.py collectstatic --noinput \
 && mkdir -p /app/var && chown -R app:app /app/var
USER app
EXPOSE 8000
CMD ["python", "-m", "daphne", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"]
