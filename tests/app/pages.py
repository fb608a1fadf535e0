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


# A month view built by its script, as a learning page would write it: top-level const/let
# and a function declaration, all of which a reused window would refuse the second time.
CALENDAR = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body { margin: 0; font: 15px DejaVu Sans, sans-serif; background: #fdf6ec; color: #3b2f2f; }
h1 { margin: 0; padding: 18px 24px; background: #c0504d; color: #fff; font-size: 22px; }
#grid { display: grid; grid-template-columns: repeat(7, 1fr); gap: 6px; padding: 16px 24px; }
.day { height: 52px; border-radius: 6px; background: #fff; padding: 6px; box-sizing: border-box; }
.day.weekend { background: #f3d9c6; } .day.today { outline: 3px solid #c0504d; }
</style></head><body><h1 id="title"></h1><div id="grid"></div><script>
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December"];
const shown = { year: 2026, month: 10 };
let today = 28;
function daysIn(year, month) { return new Date(year, month + 1, 0).getDate(); }
document.getElementById("title").textContent = MONTHS[shown.month] + " " + shown.year;
const grid = document.getElementById("grid");
const first = new Date(shown.year, shown.month, 1).getDay();
for (let i = 0; i < first; i++) grid.appendChild(document.createElement("div"));
for (let d = 1; d <= daysIn(shown.year, shown.month); d++) {
  const cell = document.createElement("div");
  const weekday = (first + d - 1) % 7;
  cell.className = "day" + (weekday === 0 || weekday === 6 ? " weekend" : "")
    + (d === today ? " today" : "");
  cell.textContent = d;
  grid.appendChild(cell);
}
window.rendersSeen = (window.rendersSeen || 0) + 1;
</script></body></html>"""
