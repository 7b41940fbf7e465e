"""The image's health check: the main process has indexed the corpus (its ready file exists), the
data directory is writable and, when one is configured, the Chroma server answers its heartbeat."""
import os
import sys
import urllib.request

ready = os.environ.get("ANALYST_READY_FILE", "/tmp/analyst.ready")
data = os.environ.get("ANALYST_DATA_DIR", "/data")
if not os.path.exists(ready):
    sys.exit("not ready: the corpus is still being indexed (or the main process stopped)")
if not os.access(data, os.W_OK):
    sys.exit(f"{data} is not writable")
url = os.environ.get("ANALYST_CHROMA_URL")
if url:
    try:
        urllib.request.urlopen(url.rstrip("/") + "/api/v2/heartbeat", timeout=10).read()
    except Exception as exc:  # noqa: BLE001
        sys.exit(f"Chroma at {url} does not answer: {exc}")
