#!/usr/bin/env bash
# The benchmark in one command: installs what it needs (the project in .venv, wrk, nginx), then
# runs bench/run.py with the arguments given (see `bash bench/run.sh --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
command -v taskset >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ] && command -v apt-get >/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "bench: installing ${need[*]} with apt-get" >&2
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null \
        || echo "bench: could not install ${need[*]}; nginx falls back to a lean Python upstream" >&2
fi
exec .venv/bin/python bench/run.py "$@"
