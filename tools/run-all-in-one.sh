#!/usr/bin/env bash
# README's first command: installs what is missing and starts every Nimbus service in one
# process (SQLite, in-process messaging) on 127.0.0.1:8774, state in ./state. It prints
# the clouds.yaml for openstackclient. Extra arguments go to nimbus-all-in-one
# (--port, --state-path, --compute-driver, oslo.config options).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/setup.sh

ensure_venv requirements.txt
run_libvirt_installer

state_path=$PWD/state
args=("$@")
for i in "${!args[@]}"; do
    case ${args[$i]} in
        --state-path=*) state_path=${args[$i]#--state-path=} ;;
        --state-path) state_path=${args[$((i + 1))]:-$state_path} ;;
    esac
done

# ---- HOOK (libvirt issue): the demo guest image ----------------------------------------
# When tools/build-demo-image exists it builds a bootable guest image under
# $NIMBUS_STATE_PATH; uploading it as the demo image is then the all-in-one's job at start.
if [ -x tools/build-demo-image ]; then
    NIMBUS_VENV="$VENV" NIMBUS_STATE_PATH="$state_path" tools/build-demo-image \
        || die "tools/build-demo-image failed"
fi

exec "$VENV/bin/nimbus-all-in-one" "$@"
