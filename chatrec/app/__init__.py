"""Front ends over the library API: the web app (Gradio) and the `chatrec` command."""
