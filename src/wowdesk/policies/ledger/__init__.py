"""The compensation ledger: refunds, credits, reimbursements and replacements, their approvals,
customers' credit balances, and delivery to the store."""
