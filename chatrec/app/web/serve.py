"""Starting the web app: settings, first-run ingest, models, then the Gradio server, with a
health endpoint for load balancers and the hourly removal of idle sessions."""

from __future__ import annotations

import argparse
import logging
import socket
import threading
import time
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from chatrec.agent import ChatRec
from chatrec.app.web.layout import build_app
from chatrec.app.web.render import CSS
from chatrec.config import Settings
from chatrec.errors import ChatrecError, ConfigError, one_line

log = logging.getLogger(__name__)
PRUNE_EVERY_SECONDS = 3600.0


def require_free_port(host: str, port: int) -> None:
    """Fail in a second with a line that names ``--port``, not after loading the models with
    Gradio's advice to set GRADIO_SERVER_PORT."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            problem = f"cannot listen on {host}:{port} ({exc.strerror})"
            raise ConfigError(f"{problem}: pick another port with --port") from None


def serve(settings: Settings, *, share: bool = False) -> None:
    """Start the app; an empty store is first filled with the default catalog."""
    from chatrec.ingest.run import ingest
    from chatrec.store.chroma import Store

    require_free_port(settings.app_host, settings.app_port)

    store = Store(settings)
    if store.count() == 0:
        print("the store is empty: ingesting the default catalog first", flush=True)
        ingest(settings, store=store)
    print("loading the models (embedder, reranker, chat LLM)", flush=True)
    start = time.perf_counter()
    bot = ChatRec.from_settings(settings)
    built = time.perf_counter()
    bot.warm_up()  # so the first visitor does not wait for what loads lazily (the LLM, the index)
    warm = time.perf_counter()
    print(f"models loaded in {built - start:.1f} s, warmed up in {warm - built:.1f} s", flush=True)
    print("building the page", flush=True)
    page = build_app(bot)
    prune_sessions(bot, settings.session_days)
    auth = settings.app_auth.get_secret_value().split(":", 1) if settings.app_auth else None
    if auth is not None and len(auth) != 2:
        raise ConfigError("CHATREC_APP_AUTH must be 'user:password'")
    page.launch(
        server_name=settings.app_host,
        server_port=settings.app_port,
        share=share,
        auth=(auth[0], auth[1]) if auth else None,
        ssr_mode=False,
        css=CSS,
        show_error=False,
        app_kwargs={"routes": [Route("/healthz", health_endpoint(bot))]},
    )


def health_endpoint(bot: ChatRec) -> Callable[[Request], JSONResponse]:
    """``GET /healthz``: 200 ``{"status": "ready", ...}`` when this instance can serve a turn, else
    503 with the failing part. The app listens only once its models and catalog are loaded, so a
    load balancer that sees the port answer and this say ready can send people here; afterwards it
    checks what can go away under a running app: the catalog store and the session store."""

    def health(request: Request) -> JSONResponse:
        try:
            items = bot.retriever.store.count()
            sessions = bot.sessions.count()
        except ChatrecError as exc:
            return JSONResponse({"status": "unavailable", "problem": one_line(exc)}, status_code=503)
        return JSONResponse({"status": "ready", "items": items, "sessions": sessions})

    return health


def prune_sessions(bot: ChatRec, days: float, every: float = PRUNE_EVERY_SECONDS) -> threading.Thread | None:
    """Remove sessions idle for ``days`` now and then every ``every`` seconds, in a daemon thread
    (None when sessions are kept forever). A store that fails is logged and tried again later."""
    if not days:
        return None

    def loop() -> None:
        while True:
            try:
                removed = bot.sessions.prune(days)
                if removed:
                    log.info("removed %d sessions idle for more than %g days", removed, days)
            except Exception as exc:  # the app keeps serving; the next hour tries again
                log.warning("could not remove idle sessions: %s", one_line(exc))
            time.sleep(every)

    thread = threading.Thread(target=loop, name="chatrec-session-retention", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    """``python app.py``: the browser app on the embedded defaults, options override settings."""
    from chatrec.app.cli import guarded

    parser = argparse.ArgumentParser(prog="python app.py", description="The chatrec browser app.")
    parser.add_argument("--host", help="interface to bind (default 127.0.0.1, CHATREC_APP_HOST)")
    parser.add_argument("--port", type=int, help="port (default 7860, CHATREC_APP_PORT)")
    parser.add_argument("--share", action="store_true", help="a public Gradio share link (off by default)")
    parser.add_argument("--llm", choices=["local", "openai"], help="LLM backend (CHATREC_LLM)")
    parser.add_argument("--llm-model", help="a .gguf path, or the server's model name (CHATREC_LLM_MODEL)")
    args = parser.parse_args(argv)
    overrides = {"app_host": args.host, "app_port": args.port, "llm": args.llm, "llm_model": args.llm_model}

    def run() -> int:
        serve(Settings(**{k: v for k, v in overrides.items() if v is not None}), share=args.share)
        return 0

    return guarded(run)
