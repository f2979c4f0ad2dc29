"""Figures from tensors: pure functions that take hook captures and return plotly figures or HTML.

No Streamlit here: tests call these directly, and the app's pages only place what they return.
"""
