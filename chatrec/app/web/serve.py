"""Starting the web app: settings, first-run ingest, models, then the Gradio server."""

from __future__ import annotations

import argparse
import socket

from chatrec.agent import ChatRec
from chatrec.app.web.layout import build_app
from chatrec.app.web.render import CSS
from chatrec.config import Settings
from chatrec.errors import ConfigError


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
    bot = ChatRec.from_settings(settings)
    bot.warm_up()  # so the first visitor does not wait for the models to load
    print("building the page", flush=True)
    page = build_app(bot)
    auth = settings.app_auth.get_secret_value().split(":", 1) if settings.app_auth else None
    if auth is not None and len(auth) != 2:
        raise ConfigError("CHATREC_APP_AUTH must be 'user:password'")
    page.queue().launch(
        server_name=settings.app_host,
        server_port=settings.app_port,
        share=share,
        auth=tuple(auth) if auth else None,
        ssr_mode=False,
        css=CSS,
        show_error=False,
    )


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
