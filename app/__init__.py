"""The classroom app: `streamlit run app/main.py`. A package, so tests and tools import its parts as `app.common`,
`app.elements` (installed with the library by `pip install -e .`)."""
