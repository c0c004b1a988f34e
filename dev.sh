#!/usr/bin/env bash
# One entry point for a fresh machine:
#   ./dev.sh demo [synapse-nb demo args]   the reference server with demo data + JupyterLab
#   ./dev.sh test [pytest args]            everything CI runs on 3.12 (tests/ and the notebooks)
#   ./dev.sh test-versions [pytest args]   the fast part of the suite on Python 3.11 and 3.13
#   ./dev.sh sdk-venv [--dry-run]          synapse-sdk 2026.2.17 in its own Python 3.12+ venv
#   ./dev.sh install EXTRA                 .venv with synapse_nb[EXTRA] (demo: notebook, test: test)
#   ./dev.sh chromium                      Debian's Chromium for the browser tests, if missing
#   ./dev.sh python                        which interpreter .venv is made with
#   ./dev.sh docs [serve] [mkdocs args]    the documentation site: build (strict) into site/, or serve it
# .venv uses Python 3.12 where the machine has it, else 3.13, else 3.11 (PYTHON=... overrides).
# Installs are quiet (the log is in .venv/install.log) and skipped when pyproject.toml has not
# changed since the last one (a stamp keyed on its hash).
set -euo pipefail
cd "$(dirname "$0")"

VENV=${SYNAPSE_NB_DEV_VENV:-.venv}
SDK_VERSION=2026.2.17
SDK_VENV=$HOME/.cache/synapse_nb/sdk-$SDK_VERSION

say() { echo "dev.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# A working interpreter of version $1 (e.g. 3.12), or nothing. pyenv's shims are no proof:
# `python3.12` fails when 3.12 is installed but not the global version, so look in pyenv's
# versions folder first and run each candidate.
python_of() {
    local version=$1 root candidate
    root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
    for candidate in "$root"/versions/"$version".*/bin/python"$version" \
                     "$(command -v "python$version" 2>/dev/null || true)"; do
        [ -n "$candidate" ] && [ -x "$candidate" ] || continue
        if "$candidate" -c "import sys; sys.exit(sys.version_info[:2] != (${version/./, }))" \
                2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# The first of the versions given that the machine has.
pick_python() {
    local version
    for version in "$@"; do
        python_of "$version" && return 0
    done
    return 1
}

project_python() {
    if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
    pick_python 3.12 3.13 3.11 \
        || die "needs Python 3.11, 3.12 or 3.13 (3.12 preferred); install one, or set PYTHON=/path/to/python"
}

# .venv with synapse_nb[$1] installed, skipped when the stamp says it is already there.
install() {
    local extra=$1 python stamp wanted
    python=$(project_python)
    stamp="$VENV/.synapse_nb-installed-$extra"
    wanted="$(sha256sum pyproject.toml | cut -d' ' -f1) $("$python" -c 'import sys; print(sys.version.split()[0])')"
    if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
        return 0
    fi
    local have
    have=$("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || true)
    if [ "$have" != "${wanted#* }" ]; then
        [ -z "$have" ] || say "recreating $VENV (Python $have -> ${wanted#* })"
        rm -rf "$VENV"
        "$python" -m venv "$VENV" \
            || die "could not make $VENV with $python (on Debian: apt-get install python3-venv)"
    fi
    say "installing synapse_nb[$extra] into $VENV (Python ${wanted#* }; log: $VENV/install.log)..."
    if ! { "$VENV/bin/python" -m pip install -q --upgrade pip \
           && "$VENV/bin/python" -m pip install -q -e ".[$extra]"; } >"$VENV/install.log" 2>&1; then
        tail -n 30 "$VENV/install.log" >&2
        die "installing synapse_nb[$extra] failed; the whole log is $VENV/install.log"
    fi
    echo "$wanted" >"$stamp"
    # [test] includes [notebook]: the demo needs no second install.
    [ "$extra" != test ] || echo "$wanted" >"$VENV/.synapse_nb-installed-notebook"
}

# The browser tests drive Debian's Chromium (Playwright's own download is not reachable).
# Not named `chromium`: inside a function of that name, `command -v chromium` finds the
# function itself and the install never runs.
ensure_chromium() {
    if command -v chromium >/dev/null 2>&1; then return 0; fi
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    say "installing Debian's chromium (for the browser tests)..."
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
    command -v chromium >/dev/null 2>&1 || die "apt-get installed chromium but it is not on PATH"
}

# synapse-sdk==$SDK_VERSION in its own venv (it needs Python 3.12+ and pulls about 400 MB),
# made once: the stamp is written after a complete install.
sdk_venv() {
    local dry_run=${1:-} python stamp="$SDK_VENV/.synapse_nb-complete"
    if [ -f "$stamp" ]; then return 0; fi
    if [ -x "$SDK_VENV/bin/python" ] && "$SDK_VENV/bin/python" -c \
            "import importlib.metadata as m, sys; sys.exit(m.version('synapse-sdk') != '$SDK_VERSION')" \
            2>/dev/null; then
        # made before stamps existed, and complete
        [ "$dry_run" = --dry-run ] || echo "$SDK_VERSION" >"$stamp"
        return 0
    fi
    python=$(pick_python 3.12 3.13) || die "synapse-sdk $SDK_VERSION needs Python 3.12 or later; none found"
    if [ "$dry_run" = --dry-run ]; then
        echo "would make $SDK_VENV with $python and pip install synapse-sdk==$SDK_VERSION"
        return 0
    fi
    say "making $SDK_VENV (synapse-sdk $SDK_VERSION with $python; about 400 MB, once)..."
    rm -rf "$SDK_VENV"
    mkdir -p "$(dirname "$SDK_VENV")"
    if ! { "$python" -m venv "$SDK_VENV" \
           && "$SDK_VENV/bin/python" -m pip install -q --upgrade pip \
           && "$SDK_VENV/bin/python" -m pip install -q "synapse-sdk==$SDK_VERSION"; } \
            >"$SDK_VENV.log" 2>&1; then
        tail -n 30 "$SDK_VENV.log" >&2
        die "installing synapse-sdk $SDK_VERSION failed; the whole log is $SDK_VENV.log"
    fi
    echo "$SDK_VERSION" >"$stamp"
}

# The documentation site (mkdocs.yml): `build --strict` (a broken link or a missing
# reference fails) into site/, or `serve` on 127.0.0.1:8000. The notebooks are executed
# against the embedded demo server during the build (cached in .cache/mkdocs-jupyter until
# one changes); SYNAPSE_NB_DOCS_EXECUTE=false renders them without running them.
docs() {
    install test  # [test] holds [docs] and everything the reference and the notebooks import
    if [ "${1:-}" = serve ]; then
        shift
        exec "$VENV/bin/python" -m mkdocs serve --strict -a 127.0.0.1:8000 "$@"
    fi
    exec "$VENV/bin/python" -m mkdocs build --strict "$@"
}

# The other Pythons the README promises, and the part of the suite they run: what differs
# between versions is the standard library under the client, frames, uploads and exports
# (Path.resolve on a symlink loop changed in 3.13), not the browser or the SDK runs.
OTHER_PYTHONS=(3.11 3.13)
FAST_TESTS=(tests/client tests/frames tests/upload tests/datasets)
FAST_MARKERS="not browser and not sdk and not slow"

# .venv-3.11 and .venv-3.13 with synapse_nb[test-core] (a lean extra: no browser, Dask, Ray or
# linters), each running the fast part. A missing version is an error, never a skip: CI must
# not pass on versions it did not run.
test_versions() {
    local version python failed=() started base=$VENV
    for version in "${OTHER_PYTHONS[@]}"; do
        python_of "$version" >/dev/null \
            || die "test-versions needs Python $version (pyenv install $version, or apt-get install python$version)"
    done
    for version in "${OTHER_PYTHONS[@]}"; do
        # install() reads VENV and PYTHON: bash's dynamic scope hands it these
        local VENV="$base-$version" PYTHON
        PYTHON=$(python_of "$version")
        install test-core
        say "Python $version: pytest ${FAST_TESTS[*]} -m '$FAST_MARKERS'"
        started=$SECONDS
        "$VENV/bin/python" -m pytest "${FAST_TESTS[@]}" -m "$FAST_MARKERS" -q "$@" \
            || failed+=("$version")
        say "Python $version: $((SECONDS - started)) s"
    done
    [ ${#failed[@]} = 0 ] || die "the fast suite failed on Python ${failed[*]}"
}

main() {
    local command=${1:-}
    [ $# -eq 0 ] || shift
    case "$command" in
        demo)
            install notebook
            exec "$VENV/bin/synapse-nb" demo "$@"
            ;;
        test)
            install test
            ensure_chromium
            if pick_python 3.12 3.13 >/dev/null || [ -n "${CI:-}" ]; then
                sdk_venv  # in CI a missing Python 3.12 is an error: the SDK suite must run there
                export SYNAPSE_NB_SDK_PYTHON="$SDK_VENV/bin/python"
            else
                say "no Python 3.12+ here: the synapse-sdk conformance tests will be skipped"
            fi
            main lint  # ruff and mypy first: a house-rule failure stops CI before the long run
            exec "$VENV/bin/python" -m pytest tests notebooks \
                --nbval-lax --nbval-sanitize-with notebooks/sanitize.cfg "$@"
            ;;
        lint)
            # ./dev.sh lint: the house checks, configured in pyproject.toml ([tool.ruff.lint],
            # [tool.mypy]: plain everywhere, strict on the public modules)
            install test
            local failed=0
            "$VENV/bin/python" -m ruff check synapse_nb tests benchmarks || failed=1
            "$VENV/bin/python" -m mypy synapse_nb || failed=1
            [ "$failed" = 0 ] || die "lint failed (ruff --fix mends import order and unused imports)"
            ;;
        test-versions)
            test_versions "$@"
            ;;
        sdk-venv)
            sdk_venv "${1:-}"
            ;;
        install)
            [ $# -eq 1 ] || die "usage: ./dev.sh install EXTRA (notebook, test, server, ...)"
            install "$1"
            ;;
        chromium)
            ensure_chromium
            ;;
        python)
            project_python
            ;;
        docs)
            docs "$@"
            ;;
        *)
            echo "usage: ./dev.sh demo [--no-browser] | test [pytest args] | test-versions [pytest args]" \
                 "| sdk-venv [--dry-run] | install EXTRA | chromium | python | docs [serve]" >&2
            exit 2
            ;;
    esac
}

# The whole file is read before anything runs: a checkout that changes dev.sh under a
# running command cannot make bash execute half-old, half-new lines.
main "$@"; exit
