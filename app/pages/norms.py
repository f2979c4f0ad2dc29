import streamlit as st

st.title("norms")
