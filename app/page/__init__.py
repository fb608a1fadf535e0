"""The page the model wrote: html (extract, close, make self-contained), policy (the Content
Security Policy every page carries)."""
