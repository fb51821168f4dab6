"""The taxonomy a workspace starts with: the reasons an online shop's customers get in touch for,
named in the three console languages. Admins rename, regroup, add and retire them; codes stay."""

from __future__ import annotations

# (code, parent code, en, zh-Hant, zh-Hans), in the order they are listed.
DEFAULT_REASONS: tuple[tuple[str, str | None, str, str, str], ...] = (
    ("orders_delivery", None, "Orders and delivery", "訂單與配送", "订单与配送"),
    ("where_is_my_order", "orders_delivery", "Where is my order", "我的訂單在哪裡", "我的订单在哪里"),
    ("lost_parcel", "orders_delivery", "Parcel lost in transit", "包裹運送途中遺失", "包裹运送途中丢失"),
    ("late_delivery", "orders_delivery", "Late delivery", "延遲送達", "延迟送达"),
    ("damaged_in_transit", "orders_delivery", "Damaged in transit", "運送途中損壞", "运送途中损坏"),
    ("wrong_item", "orders_delivery", "Wrong item received", "收到錯誤商品", "收到错误商品"),
    ("out_of_stock", "orders_delivery", "Out of stock", "缺貨", "缺货"),
    ("cancel_order", "orders_delivery", "Cancel an order", "取消訂單", "取消订单"),
    ("product", None, "Products", "商品", "商品"),
    ("item_not_as_described", "product", "Item not as described", "商品與描述不符", "商品与描述不符"),
    ("defective_item", "product", "Defective item", "商品有瑕疵", "商品有瑕疵"),
    ("product_question", "product", "Question about a product", "商品諮詢", "商品咨询"),
    ("returns_refunds", None, "Returns and refunds", "退貨與退款", "退货与退款"),
    ("return_request", "returns_refunds", "Return request", "申請退貨", "申请退货"),
    ("refund_status", "returns_refunds", "Refund status", "退款進度", "退款进度"),
    ("payment_account", None, "Payment and account", "付款與帳戶", "付款与账户"),
    ("payment_problem", "payment_account", "Payment problem", "付款問題", "付款问题"),
    ("account_access", "payment_account", "Account access", "帳號登入問題", "账号登录问题"),
    ("other", None, "Other", "其他", "其他"),
)
