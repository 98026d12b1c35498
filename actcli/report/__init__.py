"""The report: Rich tables (`tables`) and matplotlib figures (`plots`) built from `actcli.results` only.

It formats and draws what the lab measured; it trains nothing, computes nothing new and never imports the lab.
matplotlib is imported inside the drawing functions, so importing this package stays cheap.
"""
