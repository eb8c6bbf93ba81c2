"""A gallery of every document the demo produced, for review: each page of each PDF as a PNG,
and an index.html to leaf through them. With --thumbnails DIR, also the first page of each
document as a small PNG (the README's thumbnails are made so).

    ./scripts/demo.sh && .venv/bin/python scripts/gallery.py demo-output
    .venv/bin/python scripts/gallery.py demo-output --thumbnails docs/gallery
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=Path("demo-output"))
    parser.add_argument("--thumbnails", type=Path, help="Also write first-page thumbnails here.")
    parser.add_argument("--width", type=int, default=260, help="Thumbnail width in pixels.")
    args = parser.parse_args()
    import pypdfium2

    pdfs = sorted(args.folder.glob("*.pdf"))
    if not pdfs:
        print(f"gallery: no PDF in {args.folder}: run ./scripts/demo.sh first", file=sys.stderr)
        return 1
    out = args.folder / "galerie"
    out.mkdir(exist_ok=True)
    sections = []
    for pdf in pdfs:
        document = pypdfium2.PdfDocument(str(pdf))
        try:
            images = []
            for number, page in enumerate(document, 1):
                name = f"{pdf.stem}-{number}.png"
                page.render(scale=100 / 72).to_pil().save(out / name)
                images.append(name)
                if number == 1 and args.thumbnails:
                    args.thumbnails.mkdir(parents=True, exist_ok=True)
                    image = page.render(scale=args.width / page.get_width()).to_pil()
                    image.convert("L").save(args.thumbnails / f"{pdf.stem}.png", optimize=True)
        finally:
            document.close()
        pages = "".join(f'<img src="{html.escape(i)}" alt="{html.escape(i)}">' for i in images)
        sections.append(f"<h2>{html.escape(pdf.name)} ({len(images)} page(s))</h2>{pages}")
    (out / "index.html").write_text(
        "<!doctype html><meta charset=utf-8><title>assetctl : documents</title>"
        "<style>img{width:45%;margin:4px;border:1px solid #999}</style>" + "".join(sections),
        encoding="utf-8",
    )
    print(f"{len(pdfs)} document(s): {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
