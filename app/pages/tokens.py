import streamlit as st

st.title("tokens")
