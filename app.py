"""The chatrec browser app: ``python app.py [--host --port --share --llm --llm-model]``."""

import sys

from chatrec.app.web import main

if __name__ == "__main__":
    sys.exit(main())
