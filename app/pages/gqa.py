import streamlit as st

st.title("gqa")
