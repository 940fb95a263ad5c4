"""The Streamlit side of ESP Monitor: connection and caches, the run's context, URL
state, the shared sidebar, widgets, the shared upload steps and sign-in.

Pages (``app_pages/``) import from here and from ``analytics``; ``analytics`` never
imports this package (``make lint`` checks it).
"""
