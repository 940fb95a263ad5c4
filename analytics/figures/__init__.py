"""Figures drawn from data frames: charts, maps, Vega-Lite specifications, geometry, colours."""
