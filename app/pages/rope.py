import streamlit as st

st.title("rope")
