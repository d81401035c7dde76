#!/usr/bin/env bash
# Save the key pages of the demo as PNGs under docs/screenshots/ (referenced from the user guides), by running
# the browser tests with RISKPOOL_SCREENSHOTS=1. Needs Chromium (apt-get install chromium) and, for Chinese
# text in the pictures, a CJK font (apt-get install fonts-noto-cjk).
set -euo pipefail
cd "$(dirname "$0")/.."
RISKPOOL_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser -q -p no:cacheprovider "$@"
ls docs/screenshots
