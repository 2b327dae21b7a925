import sys

from chatrec.app.cli import main

sys.exit(main(["ingest", *sys.argv[1:]]))
