"""Ingestion of files users upload or import; `formats/` holds their readers."""
