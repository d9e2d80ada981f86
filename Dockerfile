FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/hub
COPY pyproject.toml README.md ./
COPY app app
COPY ingest ingest
COPY cypher cypher
COPY constraints constraints
RUN pip install --no-cache-dir -e .
EXPOSE 8000
CMD ["hub", "serve"]
