#!/usr/bin/env bash
# Type-check tqc with pyright, as installed: `bash scripts/typecheck.sh [pyright args]`.
#
# Why not `pyright` on the source tree: setuptools' package-dir maps dialects/, passes/ and
# backends/ to tqc.dialects, tqc.passes and tqc.backends, and the editable install resolves them
# with an import hook that pyright cannot follow, so every `from tqc.dialects import ...` would be
# unresolved. Instead this script
#   1. copies the tree (tracked and untracked, not ignored files) to a temporary folder and
#      installs it NON-editable (`pip install --no-deps --target`) into a temporary site folder,
#      which has the real `tqc/dialects`, `tqc/passes`, `tqc/backends` layout;
#   2. runs pyright there, with the project venv (.venv, or $PYTHON) for the third-party packages;
#   3. maps the reported paths back to the source files (tqc/dialects/x.py -> dialects/x.py).
# pyright is not a project dependency: it is installed (pinned) into its own venv,
# $TYPECHECK_VENV (default ~/.cache/tqc-typecheck-venv), on first use; it fetches node from the
# npm registry.
# Exit status: pyright's (0 = no errors).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
python=${PYTHON:-$root/.venv/bin/python}
venv=${TYPECHECK_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/tqc-typecheck-venv}
pyright_version=1.1.414

if [ ! -x "$venv/bin/pyright" ]; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q "pyright==$pyright_version"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    [ -f "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -C "$tmp/src" -xf -
"$python" -m pip install -q --no-deps --target "$tmp/site" "$tmp/src" >"$tmp/pip.log" 2>&1 \
    || { cat "$tmp/pip.log"; echo "typecheck: installing tqc failed" >&2; exit 2; }

cat >"$tmp/site/pyrightconfig.json" <<'EOF'
{"include": ["tqc"], "pythonVersion": "3.10", "typeCheckingMode": "standard"}
EOF
status=0
(cd "$tmp/site" && "$venv/bin/pyright" --pythonpath "$python" "$@") >"$tmp/out.txt" 2>&1 \
    || status=$?
sed -e "s#$tmp/site/tqc/\(dialects\|passes\|backends\)/#$root/\1/#g" \
    -e "s#$tmp/site/tqc/#$root/tqc/#g" "$tmp/out.txt"
exit $status
