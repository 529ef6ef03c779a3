# Shared by scripts/run and scripts/test: find Python 3.11+, make .venv, install the project.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=""
for candidate in python3.11 python3.12 python3.13 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; raise SystemExit(sys.version_info < (3, 11))' 2>/dev/null; then
    PY="$candidate"; break
  fi
done
[ -n "$PY" ] || { echo "mentorbot needs Python 3.11 or newer" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml | cksum | cut -d' ' -f1)-${EXTRAS:-none}"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
  if [ -n "${EXTRAS:-}" ]; then
    .venv/bin/python -m pip install --quiet -e ".[${EXTRAS}]"
  else
    .venv/bin/python -m pip install --quiet -e .
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi
