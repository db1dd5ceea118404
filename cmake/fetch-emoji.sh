#!/bin/sh
# Fetches the 64x64 Twitter emoji PNGs (npm package emoji-datasource-twitter; npm pack
# downloads the tarball, nothing is installed) into DIR (default ${XGAN_DATA:-data}/emoji),
# for `xgan train --model dcgan64 --data folder:DIR`, and writes DIR-attributes.csv beside it:
# a CelebA-style attribute table (image_id, then one -1/1 column per emoji category such as
# People_Body or Smileys_Emotion, from the package's emoji.json; skin-tone variants share their
# emoji's category) for `xgan train --model cgan64 --labels DIR-attributes.csv --attribute People_Body`.
set -eu
dir=${1:-${XGAN_DATA:-data}/emoji}
dir=${dir%/}
csv="$dir-attributes.csv"
if [ -n "$(ls -A "$dir" 2>/dev/null)" ] && [ -s "$csv" ]; then echo "emoji already in $dir, attributes in $csv"; exit 0; fi
command -v npm >/dev/null || { echo "fetch-emoji: npm is needed (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent emoji-datasource-twitter >/dev/null)
tar -xzf "$tmp"/emoji-datasource-twitter-*.tgz -C "$tmp" package/img/twitter/64 package/emoji.json
mkdir -p "$dir"
cp "$tmp"/package/img/twitter/64/*.png "$dir"/
node - "$tmp/package/emoji.json" "$dir" "$csv.partial" <<'EOF'
const fs = require("fs");
const path = require("path");
const [json, dir, out] = process.argv.slice(2);
const emoji = JSON.parse(fs.readFileSync(json, "utf8"));
const column = (category) => category.replace(/[^A-Za-z]+/g, "_");
const columns = [...new Set(emoji.map((e) => column(e.category)))].sort();
const rows = [];
for (const e of emoji) {
  const cells = columns.map((c) => (c === column(e.category) ? "1" : "-1")).join(",");
  const images = [e.image, ...Object.values(e.skin_variations || {}).map((v) => v.image)];
  for (const image of images) if (fs.existsSync(path.join(dir, image))) rows.push(image + "," + cells);
}
fs.writeFileSync(out, ["image_id," + columns.join(","), ...rows].join("\n") + "\n");
EOF
mv "$csv.partial" "$csv"
echo "$(ls "$dir" | wc -l) emoji PNGs in $dir; attributes of $(($(wc -l < "$csv") - 1)) images in $csv"
