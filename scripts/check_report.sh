#!/bin/sh
# Renders a memgen report folder (DIR/index.html) in headless Chromium and
# checks that it loads cleanly: no console message from the page (the report
# has no JavaScript, so any message is an error such as a blocked or missing
# resource), every <img> decoded (non-zero natural width) and every inline SVG
# plot laid out with a non-empty bounding box.
# Usage: sh scripts/check_report.sh DIR. Exit 0 ok, 1 failed, 77 no Chromium
# (or a Chromium that could not start here: its log is printed).
set -eu
dir=${1:?usage: check_report.sh REPORT_DIR}
[ -f "$dir/index.html" ] || { echo "check_report: $dir/index.html missing"; exit 1; }
browser=""
for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
[ -n "$browser" ] || { echo "check_report: no Chromium (MEMGEN_DEPS_TEST=1 sh scripts/deps.sh installs it)"; exit 77; }
abs=$(cd "$dir" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A probe page that loads the report in a frame and writes what it finds into
# its own DOM, which --dump-dom prints once loading has settled.
cat > "$tmp/probe.html" <<HTML
<!DOCTYPE html><html><head><meta charset="utf-8"><title>probe</title></head><body>
<pre id="out">RESULT not-loaded</pre>
<iframe id="f" src="file://$abs/index.html" width="1280" height="900"></iframe>
<script>
document.getElementById('f').addEventListener('load', function () {
  var d = this.contentDocument, o = document.getElementById('out');
  if (!d) { o.textContent = 'RESULT no-access'; return; }
  var im = d.images, bad = 0, sv = d.querySelectorAll('svg'), empty = 0;
  for (var i = 0; i < im.length; i++) if (!im[i].complete || im[i].naturalWidth === 0) bad++;
  for (var j = 0; j < sv.length; j++) { var b = sv[j].getBBox(); if (!(b.width > 0 && b.height > 0)) empty++; }
  o.textContent = 'RESULT images=' + im.length + ' broken=' + bad + ' svgs=' + sv.length + ' empty=' + empty;
});
</script></body></html>
HTML
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --allow-file-access-from-files \
    --enable-logging=stderr --v=0 --virtual-time-budget=15000 --dump-dom "file://$tmp/probe.html" \
    >"$tmp/dom.txt" 2>"$tmp/log.txt" || true
result=$(grep -o 'RESULT [^<]*' "$tmp/dom.txt" | head -n 1 || true)
console=$(grep 'CONSOLE' "$tmp/log.txt" || true)
if [ -z "$result" ]; then
    # the probe page always holds a RESULT line once Chromium has loaded it
    echo "check_report: $browser did not render the probe page; its log ends with:"
    tail -n 5 "$tmp/log.txt"
    exit 77
fi
echo "check_report: $result (Chromium: $browser)"
status=0
case "$result" in
    *"broken=0 "*"empty=0") ;;
    *) status=1 ;;
esac
case "$result" in *"images=0 "*"svgs=0 "*) echo "check_report: the page shows no image and no plot"; status=1 ;; esac
if [ -n "$console" ]; then
    echo "check_report: console messages:"
    echo "$console"
    status=1
fi
[ $status = 0 ] && echo "check_report: ok" || echo "check_report: FAILED"
exit $status
