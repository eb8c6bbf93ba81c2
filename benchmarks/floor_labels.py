"""The floor for label printing: the same vector QR codes on an L7160 sheet, with the same
libraries (qrcode for the matrix, reportlab paths for the modules), and nothing else: no
database, no layout file, no text fitting, no history.

    python benchmarks/floor_labels.py COUNT OUT.pdf
"""

import sys

import qrcode
from reportlab.pdfgen import canvas

MM = 72 / 25.4


def main() -> None:
    count, out = int(sys.argv[1]), sys.argv[2]
    page = canvas.Canvas(out, pagesize=(210 * MM, 297 * MM))
    for i in range(count):
        if i and i % 21 == 0:
            page.showPage()
        row, column = divmod(i % 21, 3)
        left, top = 7.25 + column * 66.0, 15.15 + row * 38.1
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        tag = f"LMM-PC-{i + 1:05d}"
        code.add_data(tag)
        code.make(fit=True)
        matrix = code.get_matrix()
        module = 31.0 / (len(matrix) + 8)
        path = page.beginPath()
        for y, line in enumerate(matrix):
            for x, dark in enumerate(line):
                if dark:
                    path.rect(
                        (left + 2.5 + (x + 4) * module) * MM,
                        (297 - top - 2.5 - (y + 5) * module) * MM,
                        module * MM,
                        module * MM,
                    )
        page.drawPath(path, stroke=0, fill=1)
        page.setFont("Helvetica-Bold", 10.5)
        page.drawString((left + 35) * MM, (297 - top - 12) * MM, tag)
    page.save()


if __name__ == "__main__":
    main()
