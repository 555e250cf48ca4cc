#!/usr/bin/env bash
# Captures every screen from the real window (tiny-skia on X11) under Xvfb into this folder.
# Each run starts the `ui_tour` example driven to one screen, waits for it to draw, grabs the
# root window with ImageMagick's `import`, and closes it. Needs xvfb-run and imagemagick.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build -p pos-app --example ui_tour
bin="$CARGO_TARGET_DIR/debug/examples/ui_tour"
out=assets/screenshots

shot() { # name screen size [high-contrast]
  local name=$1 screen=$2 size=$3 extra=${4:-}
  xvfb-run -a -s "-screen 0 ${size}x24" bash -c "
    '$bin' $screen $size $extra & pid=\$!
    sleep \${POS_SHOT_WAIT:-4}
    import -window root '$out/$name.png'
    kill \$pid
  "
  echo "$out/$name.png"
}

for s in login checkout payment card change shift zreport refund approval inventory import reports devices; do
  shot "$s" "$s" 1024x768
done
shot checkout-1920x1080 checkout 1920x1080
shot checkout-high-contrast checkout 1024x768 high-contrast
