"""ESP Monitor core: storage, validation, queries, figures and exports.

Nothing in this package imports Streamlit; the app's pages call into it.
"""

__version__ = "0.1.0"
