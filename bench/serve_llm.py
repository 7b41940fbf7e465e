"""Start one local model server for experiments and print its URL; stops when this process is killed.

    python -m bench.serve_llm [DATA_DIR]   # the model is assembled into DATA_DIR/models once"""
from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

from retrieval.llm.local import LocalLLMServer
from retrieval.settings import Settings


def main() -> None:
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / ".analyst"
    server = LocalLLMServer(Settings(_env_file=None, data_dir=data_dir, llm="local", llm_port=0)).start()
    print(server.base_url, flush=True)
    signal.signal(signal.SIGTERM, lambda *a: (server.stop(), sys.exit(0)))
    try:
        while server.running:
            time.sleep(5)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
