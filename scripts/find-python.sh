#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 supports nothing newer).
# Order: $PYTHON if set, python3.10 on PATH, a pyenv-installed 3.10.x.
set -euo pipefail

# Prints the real executable behind a candidate (resolving pyenv shims) if it is 3.10.
real_310() {
  "$1" -c 'import sys; assert sys.version_info[:2] == (3, 10); print(sys.executable)' 2>/dev/null
}

if [ -n "${PYTHON:-}" ]; then
  if real_310 "$PYTHON"; then exit 0; fi
  echo "error: PYTHON=$PYTHON is not a Python 3.10 interpreter" >&2
  exit 1
fi

if command -v python3.10 >/dev/null 2>&1 && real_310 "$(command -v python3.10)"; then
  exit 0
fi

pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
for candidate in $(ls -d "$pyenv_root"/versions/3.10.* 2>/dev/null | sort -V -r); do
  if real_310 "$candidate/bin/python"; then exit 0; fi
done

cat >&2 <<'MSG'
error: Python 3.10 not found (Rasa 3.6 requires exactly Python 3.10).
Install it, for example with your package manager (python3.10 python3.10-venv)
or with pyenv (`pyenv install 3.10`), or point PYTHON at one: make PYTHON=/path/to/python3.10
MSG
exit 1
