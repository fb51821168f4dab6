"""Customers: profiles, one identity per channel account (email, phone, LINE …), merge."""
