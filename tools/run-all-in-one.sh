#!/usr/bin/env bash
# README's first command: installs what is missing and starts every Nimbus service in one
# process (SQLite, in-process messaging) on 127.0.0.1:8774, state in ./state. It prints
# the clouds.yaml for openstackclient. Extra arguments go to nimbus-all-in-one
# (--port, --state-path, --compute-driver, oslo.config options).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/setup.sh

ensure_venv requirements.txt client-requirements.txt  # openstackclient: the README uses it
run_libvirt_installer

state_path=$PWD/state
args=("$@")
for i in "${!args[@]}"; do
    case ${args[$i]} in
        --state-path=*) state_path=${args[$i]#--state-path=} ;;
        --state-path) state_path=${args[$((i + 1))]:-$state_path} ;;
    esac
done

# The demo guest: a bootable kernel/initrd/disk triple built offline once under the state
# path (tools/build-demo-guest) and registered by nimbus-all-in-one as the image
# "nimbus-demo". Real guests (libvirt + QEMU) where this host can run them, else the
# fake driver; --compute-driver on the command line wins.
mkdir -p "$state_path"
tools/build-demo-guest --out "$state_path/demo-guest" || die "tools/build-demo-guest failed"
driver=(--compute-driver fake)
if virsh -c qemu:///system list >/dev/null 2>&1 && "$VENV/bin/python" -c 'import libvirt'; then
    driver=(--compute-driver libvirt)
else
    echo "libvirt is not usable here: starting with the fake driver (no real guests)" >&2
fi
for a in "$@"; do [[ $a == --compute-driver* ]] && driver=(); done

exec "$VENV/bin/nimbus-all-in-one" --demo-guest "$state_path/demo-guest" "${driver[@]}" "$@"
