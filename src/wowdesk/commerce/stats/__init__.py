"""Counts over orders for reports and seller metrics: orders per seller and per product in a
period, the sellers and products of given orders, and each seller's fulfilment record (cancelled
for being out of stock, shipped late, charged back)."""
