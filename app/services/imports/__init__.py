"""Import of contacts and organisations from CSV, XLSX and vCard files."""
