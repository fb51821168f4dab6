"""Seller metrics: each seller's scorecard over a rolling window (order defect rate, pre-fulfilment
cancellation rate, late shipment rate, median first response to buyers), judged against the
workspace's thresholds; a seller crossing one is put at risk or suspended (``seller.status_changed``)."""
