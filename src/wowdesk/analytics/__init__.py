"""Analytics: read models over the other rooms (contacts per order per reason, seller and product;
seller metrics). It reads through their public queries only and sits above them."""
