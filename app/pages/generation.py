import streamlit as st

st.title("generation")
