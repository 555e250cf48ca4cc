#!/bin/sh
# Evaluates udev/70-pos-devices.rules against a fake device without touching the host:
#   udev/test-rules.sh FIXTURE.umockdev /sys/PATH/OF/DEVICE [RULES_FILE]
# A private mount namespace (needs root) puts the rules in /etc/udev/rules.d, adds a `pos`
# group to /etc/group, and overlays /dev and /run/udev so the links `udevadm test` creates
# vanish with the namespace; umockdev-run supplies the device's sysfs. Prints udevadm's output.
set -eu
fixture=$(realpath "$1")
syspath=$2
rules=$(realpath "${3:-$(dirname "$0")/70-pos-devices.rules}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/rules" "$tmp/ovl" "$tmp/pts"
cp "$rules" "$tmp/rules/"
cp /etc/group "$tmp/group"
grep -q '^pos:' "$tmp/group" || echo "pos:x:990:" >> "$tmp/group"
exec unshare -m sh -c '
  set -e
  mount --make-rprivate /
  mount -t tmpfs tmpfs "$0/ovl"
  mkdir "$0/ovl/up" "$0/ovl/work"
  mount --bind /dev/pts "$0/pts"
  mount -t overlay overlay -o "lowerdir=/dev,upperdir=$0/ovl/up,workdir=$0/ovl/work" /dev
  mount --move "$0/pts" /dev/pts
  mount --bind "$0/rules" /etc/udev/rules.d
  mount --bind "$0/group" /etc/group
  mkdir -p /run/udev
  mount -t tmpfs tmpfs /run/udev
  umockdev-run -d "$1" -- udevadm test -a add "$2" 2>&1
' "$tmp" "$fixture" "$syspath"
