"""How a page is judged against its screenshot: browser (finding Chromium), render (the
sandboxed headless render), compare (visual scores and pictures), review (render + compare +
the report on disk)."""
