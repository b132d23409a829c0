#!/usr/bin/env bash
# Installs Debian packages by name, as root or through sudo: the one way the project's scripts
# bring in system packages (install-browser.sh, install-haproxy.sh).
set -euo pipefail
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
