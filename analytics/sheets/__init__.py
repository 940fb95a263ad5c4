"""The upload sheets: one declaration per sheet, one parser per column kind, workbooks we write."""
