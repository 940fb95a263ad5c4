"""Where the product's own files live on disk."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
DEFAULT_DB = DATA_DIR / "esp.duckdb"
CONFIG_DIR = ROOT / "config"
