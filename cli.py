#!/usr/bin/env python3
"""Run formkit from a checkout without installing it: python cli.py COMMAND …"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from formkit.cli import main  # noqa: E402

sys.exit(main())
