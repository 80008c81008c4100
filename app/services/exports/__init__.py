"""Files made from records, independent of any request so a view, the CLI or a job can
make them alike: spreadsheets (tables.py: CSV and XLSX as each language's Excel reads
them) and vCards (vcards.py: the export of contacts, the address-book feed, CardDAV)."""
