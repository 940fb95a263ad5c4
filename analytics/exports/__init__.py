"""What leaves the product: snapshots, their file formats, the brief, the upload template."""
