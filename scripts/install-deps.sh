#!/bin/sh
# Installs what vigil needs to build, run and test on Debian/Ubuntu, and nothing more:
# Debian packages through apt-get (only those missing), npm packages through the lockfile.
# Safe to run again: with everything present it only checks and returns.
set -eu

cd "$(dirname "$0")/.."

# build and run
PKGS="make gcc pkg-config libwebsockets-dev libinih-dev libjansson-dev libcurl4-openssl-dev
libsqlite3-dev libncurses-dev"
# tests: unit tests, fuzzing, end-to-end clients, promtool, load and profiling tools
PKGS="$PKGS libcriterion-dev clang libclang-rt-14-dev curl prometheus wrk valgrind procps"
# the history tests check vigil.db with the sqlite3 command (PRAGMA integrity_check)
PKGS="$PKGS sqlite3"
# the dashboard's browser tests and bench: Debian's Chromium, driven by playwright-core
PKGS="$PKGS chromium"
# systemd-analyze, to verify the unit in deploy/ (nothing is started from the package)
PKGS="$PKGS systemd"
if ! command -v node >/dev/null 2>&1; then
    PKGS="$PKGS nodejs npm"
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    echo "install-deps: installing:$missing"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    $SUDO apt-get update -qq
    # No daemons are wanted from these packages (prometheus is used for its tools and is
    # started by the tests on loopback), so service starts are refused during the install.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
        $SUDO chmod +x /usr/sbin/policy-rc.d
        trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

if [ -f package-lock.json ]; then
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
        echo "install-deps: npm ci"
        npm ci --no-audit --no-fund --loglevel=error
        touch node_modules
    fi
fi
