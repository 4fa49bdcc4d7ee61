"""The local web app: browse the library, run debates, read reports."""
