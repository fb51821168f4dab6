"""Contact reasons: the workspace's taxonomy of why customers get in touch (lost parcel, item not
as described …), carried by tickets and conversations so that contacts per order can be counted per
reason, seller and product, and named by resolution policies."""
