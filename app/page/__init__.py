"""The page the model wrote: html (extract, close, make self-contained), policy (the Content
Security Policy every page carries), source (where text, tags and CSS sit), edits (the model's
search/replace answers), repair (wording, placeholders, colours: fixed from the screenshot)."""
