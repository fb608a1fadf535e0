"""The page the model wrote: html (extract, close, make self-contained)."""
