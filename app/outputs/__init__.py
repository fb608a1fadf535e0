"""What a run leaves behind: history (every run on disk), files (atomic, never-overwriting
writes)."""
