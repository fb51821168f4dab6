"""The demo shop's people and their history: agents, customers, tickets and chats, in English,
Traditional and Simplified Chinese."""

from __future__ import annotations

from typing import Any

AGENTS = [
    ("admin", "Demo Admin", "admin", "en", "Asia/Taipei"),
    ("meiling", "林美玲 Mei-ling Lin", "agent", "zh-Hant", "Asia/Taipei"),
    ("wei", "王伟 Wang Wei", "supervisor", "zh-Hans", "Asia/Shanghai"),
    ("alex", "Alex Morgan", "agent", "en", "Europe/London"),
]

CUSTOMERS = [
    dict(
        name="張雅婷 Lisa Chang",
        emails=["lisa.chang@example.com"],
        phones=["+886912345678"],
        language="zh-Hant",
        time_zone="Asia/Taipei",
        tags=["vip"],
    ),
    dict(
        name="李娜",
        emails=["li.na@example.cn"],
        phones=["+8613800138000"],
        language="zh-Hans",
        time_zone="Asia/Shanghai",
    ),
    dict(name="John Miller", emails=["john.miller@example.com"], language="en", time_zone="America/New_York"),
    dict(name="陳志明", emails=["chih-ming.chen@example.tw"], language="zh-Hant", time_zone="Asia/Taipei"),
]

# (customer index, subject, description, priority, type, assignee key, tags, custom fields,
#  [(author, body, public)], final status). Why each got in touch, and the demo store's order it is
#  about (if that order is in the store): TICKET_ABOUT, by position.
TICKETS: list[tuple[Any, ...]] = [
    (
        0,
        "我的包裹已經五天沒有更新了",
        "訂單 TW-10231 顯示「運送中」，但物流資訊五天沒有變動。",
        "high",
        "incident",
        "meiling",
        ["shipping", "delayed"],
        {"order_number": "TW-10231", "product_line": "Electronics"},
        [
            ("meiling", "您好，我們已聯絡物流公司查詢，今天內會回覆您。", True),
            ("meiling", "物流窗口說包裹可能遺失，若明天仍無更新就直接退款。", False),
        ],
        "pending",
    ),
    (
        1,
        "退款什么时候到账？",
        "订单 CN-88412 已经退货一周了，还没有收到退款。",
        "normal",
        "question",
        "wei",
        ["refund"],
        {"order_number": "CN-88412", "product_line": "Home"},
        [("wei", "您好，退款已于昨天处理，通常 3-5 个工作日到账。", True)],
        "solved",
    ),
    (
        2,
        "Wrong size delivered",
        "I ordered the jacket in M and received an XL. Order EN-5521.",
        "normal",
        "incident",
        None,
        ["returns"],
        {"order_number": "EN-5521", "product_line": "Home"},
        [],
        "new",
    ),
    (
        3,
        "發票抬頭需要更改",
        "請將發票抬頭改成公司名稱，統一編號 12345678。",
        "low",
        "task",
        "meiling",
        ["invoice"],
        {},
        [("meiling", "已為您更新發票資訊，新的電子發票會寄到您的信箱。", True)],
        "open",
    ),
    (
        2,
        "Used book arrived with notes in it",
        "The book was listed as 'like new' but has pencil notes on many pages.",
        "normal",
        "incident",
        "alex",
        ["seller-quality"],
        {"product_line": "Books"},
        [("alex", "I'm sorry about that. I've refunded the book in full; no need to send it back.", True)],
        "solved",
    ),
]

TICKET_ABOUT: list[tuple[str, str | None]] = [
    ("late_delivery", "demo-TW-10231"),
    ("refund_status", None),
    ("wrong_item", None),
    ("other", None),
    ("item_not_as_described", None),
]

# Chats on the website's widget: (visitor name, e-mail, language, [(who, text)], assignee key or
# None (waiting in the queue)). "customer" lines are the visitor's, the others an agent's replies.
CHATS: list[tuple[Any, ...]] = [
    (
        "林佳慧",
        "chia-hui.lin@example.tw",
        "zh-Hant",
        [
            ("customer", "請問週末有門市可以自取嗎？"),
            ("meiling", "您好！台北信義門市週六、週日 11:00-20:00 都可以自取喔。"),
            ("customer", "太好了，謝謝！"),
        ],
        "meiling",
    ),
    (
        "Kevin Brown",
        "kevin.brown@example.com",
        "en",
        [("customer", "Hi, can I still change the colour of order EN-5590? It hasn't shipped yet.")],
        None,
    ),
]
