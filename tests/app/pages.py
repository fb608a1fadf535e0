"""Small real pages for render and compare tests."""

CARD = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; background: #f8f9fc; font: 16px DejaVu Sans, sans-serif; }}
header {{ height: 56px; background: #4e73df; color: #fff; padding: 16px 24px;
          box-sizing: border-box; }}
.card {{ position: absolute; left: {left}px; top: 120px; width: 240px; height: 140px;
         background: {colour}; border-radius: 8px; }}
.note {{ position: absolute; left: 400px; top: 320px; font-size: 28px; color: #3a3b45; }}
</style></head><body><header>Dashboard</header><div class="card"></div>
<p class="note">{text}</p></body></html>"""


def card(left: int = 40, colour: str = "#1cc88a", text: str = "Earnings $40,000") -> str:
    return CARD.format(left=left, colour=colour, text=text)
