# syntax=docker/dockerfile:1
# Optimizer Playground: the package (not the checkout) on python:3.11-slim, run as a non-root user.
#   docker build -t optim-playground .
#   docker run -p 8000:8000 -e OPTIM_PLAYGROUND_WORKERS=2 optim-playground

# Stage 1: build wheels for the project and every dependency.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY optim_core ./optim_core
COPY app ./app
COPY templates ./templates
COPY static ./static
RUN pip wheel --wheel-dir /wheels .

# Stage 2: install the wheels only; no source tree, no compilers, no build tools.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# glibc gives each worker thread its own malloc arena; with 2 the resident size stays flat under load. `serve` sets
# it too (for any worker process it starts); set here as well for anything else run in the image.
ENV MALLOC_ARENA_MAX=2
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels optim-playground \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin playground
# templates/ and static/ arrive inside the installed app package (package data), found beside the code.
USER playground
WORKDIR /tmp
EXPOSE 8000
# slim has no curl; Python's urllib does the same. A non-200 answer or no answer raises, so the exit is non-zero.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["optim-playground", "serve", "--host", "0.0.0.0", "--port", "8000"]
