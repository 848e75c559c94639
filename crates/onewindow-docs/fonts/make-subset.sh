#!/bin/sh
# Makes the Noto CJK SC subsets that onewindow-docs embeds (see README.md beside this script).
#
#   sudo apt-get install fonts-noto-cjk      # the source fonts (Debian 12: 1:20220127+repack1-1)
#   pip install fonttools==4.68.0            # pyftsubset
#   crates/onewindow-docs/fonts/make-subset.sh
#
# Writes four OpenType (CFF) files next to this script, overwriting them:
#
#   NotoSerifCJKsc-Regular.subset.otf  the body face: all the text a user types lands here, so
#                                      it keeps Latin-1, the usual symbols and punctuation and
#                                      every CJK Unified Ideograph U+4E00-U+9FFF (names use
#                                      characters outside GB 2312: 堃 喆 昇 ...)
#   NotoSerifCJKsc-Bold.subset.otf     faces the template uses only for its own fixed wording
#   NotoSansCJKsc-Regular.subset.otf   (titles, table headers, labels) and ASCII data (case
#   NotoSansCJKsc-Bold.subset.otf      number, query code, URL): printable ASCII, punctuation,
#                                      and the non-ASCII characters of ../src/notice.typ,
#                                      wording.rs and notice.rs
#
# Re-run it after changing the wording in ../src; the test
# `render::tests::embedded_fonts_cover_the_fixed_wording` fails until you do.
#
# Environment: NOTO_CJK_DIR (default /usr/share/fonts/opentype/noto), PYFTSUBSET (default
# pyftsubset), PYTHON (default python3; needs fontTools too).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src_dir=${NOTO_CJK_DIR:-/usr/share/fonts/opentype/noto}
pyftsubset=${PYFTSUBSET:-pyftsubset}
python=${PYTHON:-python3}

# What every face keeps: printable ASCII, Latin-1, general punctuation (— … ‘’ “” ※ ‰),
# CJK symbols and punctuation (、。〔〕《》「」【】〇), full-width forms (，：；（）！？％).
common='U+0020-007E,U+00A0-00FF,U+2000-206F,U+3000-303F,U+FF00-FFEF'

# The body face also keeps: Latin Extended-A and the pinyin vowels with caron (ǎ ǐ ǒ ǔ ǚ),
# currency (€), letterlike symbols (℃ № ℡), number forms (Ⅰ–Ⅻ), arrows, enclosed numbers
# (① ⑴ ⒈), geometric shapes (□ ■ ○ ● △ ◆), ballot boxes (☐ ☑ ☒), check marks (✓ ✔ ✗ ✘),
# enclosed CJK (㈠ ㊣), CJK compatibility (㎡ ㎏) and all CJK Unified Ideographs.
body="$common,U+0100-017F,U+01CD-01DC,U+20A0-20CF,U+2100-214F,U+2150-218F,U+2190-21FF"
body="$body,U+2460-24FF,U+25A0-25FF,U+2610-2612,U+2713-2718,U+3200-32FF,U+3300-33FF,U+4E00-9FFF"

# The fixed wording: every non-ASCII character of the template, the sentences (wording.rs)
# and the titles (notice.rs). The test embedded_fonts_cover_the_fixed_wording reads the same.
wording=$("$python" - "$here/../src/notice.typ" "$here/../src/wording.rs" "$here/../src/notice.rs" <<'PY'
import sys
chars = set()
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        chars.update(c for c in f.read() if ord(c) > 0x7E and not c.isspace())
print(",".join(f"U+{ord(c):04X}" for c in sorted(chars)))
PY
)
fixed="$common,$wording"

# Prints the index of the face named "$2" in the collection "$1" (the SC face of a .ttc).
face_number() {
    "$python" - "$1" "$2" <<'PY'
import sys
from fontTools.ttLib import TTCollection
path, family = sys.argv[1], sys.argv[2]
for index, font in enumerate(TTCollection(path, lazy=True).fonts):
    if font["name"].getDebugName(1) == family:
        print(index)
        break
else:
    sys.exit(f"{path} has no face {family!r}")
PY
}

# subset <collection> <family> <output> <unicodes>
subset() {
    number=$(face_number "$src_dir/$1" "$2")
    echo "$3: $2 (face $number of $1)" >&2
    # Only the layout features horizontal Chinese and Latin text use: without `locl` and
    # `vert` the subsetter does not pull in the Japanese, Korean and Traditional Chinese glyph
    # forms. No hinting (PDF viewers and printers rasterise well without; saves ~20%). The
    # .notdef glyph keeps its outline, so a character no font covers prints as a visible box.
    # All name records are kept: they carry the copyright and the OFL notice (IDs 0, 13, 14).
    "$pyftsubset" "$src_dir/$1" \
        --font-number="$number" \
        --unicodes="$4" \
        --layout-features='ccmp,kern,liga,calt,mark,mkmk' \
        --layout-scripts='DFLT,latn,hani' \
        --drop-tables+=vhea,vmtx,VORG \
        --no-hinting \
        --notdef-outline \
        --name-IDs='*' \
        --name-languages='*' \
        --output-file="$here/$3"
}

# Four faces in parallel (each takes about a minute and little memory).
subset NotoSerifCJK-Regular.ttc 'Noto Serif CJK SC' NotoSerifCJKsc-Regular.subset.otf "$body" & p1=$!
subset NotoSerifCJK-Bold.ttc 'Noto Serif CJK SC' NotoSerifCJKsc-Bold.subset.otf "$fixed" & p2=$!
subset NotoSansCJK-Regular.ttc 'Noto Sans CJK SC' NotoSansCJKsc-Regular.subset.otf "$fixed" & p3=$!
subset NotoSansCJK-Bold.ttc 'Noto Sans CJK SC' NotoSansCJKsc-Bold.subset.otf "$fixed" & p4=$!
failed=0
for pid in $p1 $p2 $p3 $p4; do
    wait "$pid" || failed=1
done
[ "$failed" = 0 ] || { echo "make-subset.sh: a subset failed" >&2; exit 1; }
ls -l "$here"/*.subset.otf >&2
