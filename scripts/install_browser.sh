#!/usr/bin/env bash
# Install what the browser end-to-end test needs: Debian's Chromium and CJK fonts.
#
#   bash scripts/install_browser.sh [PIP]     (PIP defaults to .venv/bin/pip)
#
# Playwright's own browser download is not used (it needs network access to its CDN);
# the test drives /usr/bin/chromium instead. Without CJK fonts Chinese renders as boxes in
# screenshots. Each step is skipped when already satisfied, so re-runs take well under a second.
set -euo pipefail

PIP="${1:-.venv/bin/pip}"
PLAYWRIGHT_VERSION="1.65.2"
PACKAGES=(chromium fonts-noto-cjk)

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install_browser: ${PACKAGES[*]} already installed"
else
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    echo "install_browser: apt-get install ${missing[*]}"
    # Update the package lists only when they are absent (fresh containers ship without them).
    if ! compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null; then
        $SUDO apt-get update -qq
    fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || { $SUDO apt-get update -qq \
             && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi
[[ -x /usr/bin/chromium ]] || { echo "install_browser: /usr/bin/chromium still missing" >&2; exit 1; }

if [[ -x "$PIP" ]]; then
    PY="$(dirname "$PIP")/python"
    if [[ "$("$PY" -c 'import importlib.metadata as m; print(m.version("playwright"))' 2>/dev/null)" == "$PLAYWRIGHT_VERSION" ]]; then
        echo "install_browser: playwright ${PLAYWRIGHT_VERSION} already installed"
    else
        echo "install_browser: pip install playwright==${PLAYWRIGHT_VERSION}"
        "$PIP" install -q "playwright==${PLAYWRIGHT_VERSION}"
    fi
fi
