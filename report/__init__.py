"""The report: every section of the advisory brief, with numbered citations."""
