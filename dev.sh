#!/usr/bin/env bash
# One entry point for a fresh machine: ./dev.sh demo | ./dev.sh test [pytest args...]
# It makes .venv (Python 3.11), installs the package with what the command needs, then runs it.
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

venv() {
    [ -x .venv/bin/python ] || "$PY" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".[$1]"
}

chromium() {
    # The browser tests drive Debian's Chromium (Playwright's own download is not reachable).
    if ! command -v chromium >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
    fi
}

case "${1:-}" in
    demo)
        shift
        venv "lab,excel"
        exec .venv/bin/synapse-nb demo "$@"
        ;;
    test)
        shift
        venv "test"
        chromium
        exec .venv/bin/python -m pytest tests notebooks \
            --nbval-lax --nbval-sanitize-with notebooks/sanitize.cfg "$@"
        ;;
    *)
        echo "usage: ./dev.sh demo [--no-browser] | ./dev.sh test [pytest args]" >&2
        exit 2
        ;;
esac
