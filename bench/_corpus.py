"""Realistic ticket text for the benchmarks: English, Traditional and Simplified Chinese.

About three hundred templates (subjects, descriptions, replies) filled with order numbers, names,
products, cities and amounts, so the search index has a realistic vocabulary (every order number
is a token of its own) and the search terms in ``SEARCH_TERMS`` have very different selectivity.
Everything is drawn from a seeded ``random.Random``: the same seed gives the same tickets.
"""

from __future__ import annotations

import random
from typing import Any

# -- what the search phase asks for ----------------------------------------------------------------
# (label, query). "发票" is Simplified and appears only in the Traditional templates (as 發票), so
# its hits prove that a Simplified query finds Traditional text.
SEARCH_TERMS: list[tuple[str, str]] = [
    ("q common en", "order"),
    ("q rare en", "chargeback"),
    ("q prefix", "refu"),
    ("q zh-Hant", "退貨"),
    ("q zh-Hans→Hant", "发票"),
    ("q no match", "xyzzy"),
]

LANGUAGE_MIX = [("en", 50), ("zh-Hant", 30), ("zh-Hans", 20)]
PRIORITY_MIX = [("low", 20), ("normal", 50), ("high", 20), ("urgent", 10)]
# Seeded tickets are spread over the states; the HTTP write phase creates "new" ones.
STATUS_MIX = [("new", 20), ("open", 40), ("pending", 15), ("on_hold", 5), ("solved", 20)]
TAGS = ["vip", "refund", "shipping", "billing", "bug", "b2b", "complaint"]
RARE_SHARE = 0.002  # share of English tickets about a chargeback

# -- English ---------------------------------------------------------------------------------------
EN_SUBJECTS = [
    "Where is my order {order}?",
    "Order {order} has not arrived yet",
    "Refund request for order {order}",
    "Refund not received for the {product}",
    "Wrong size delivered: {product}",
    "Package damaged in transit ({courier})",
    "Cannot log in to my account",
    "Password reset email never arrives",
    "Need an invoice for order {order}",
    "Change the delivery address of order {order}",
    "Please cancel my subscription",
    "Charged twice for the {product}",
    "{product} stopped working after {days} days",
    "Question about the warranty of my {product}",
    "Discount code {code} is not accepted",
    "Delivery to {city} is delayed",
    "Missing item in order {order}",
    "Return label for the {product}",
    "How do I update my payment method?",
    "App crashes when I open my order history",
    "Request to delete my personal data",
    "Exchange the {product} for another colour",
    "Courier says delivered but nothing arrived",
    "Quote for {qty} units of {product}",
    "Order {order} pending for {days} days",
    "Refused the delivery, please refund me",
    "Gift card balance is wrong",
    "Help assembling the {product}",
    "Price dropped right after I bought the {product}",
    "Feedback on your support team",
    "Shipping cost to {city}?",
    "Store pickup for order {order}",
    "Loyalty points were not added",
    "Two-factor code not received",
    "Account locked after failed logins",
    "Can I add an item to order {order}?",
    "{product} arrived without the charger",
    "Tracking number for {order} does not work",
    "Membership renewal failed",
    "Receipt shows the wrong VAT number",
    "Order {order} was only partly refunded",
    "Replacement for a faulty {product}",
    "Manual for the {product}",
    "When does the {product} ship?",
    "Unsubscribe me from the newsletter",
    "{name} here: problem with {order}",
]
EN_RARE_SUBJECTS = [
    "Chargeback notice from my bank about {order}",
    "Disputed chargeback of {amount}",
    "Why did you file a chargeback on order {order}?",
]
EN_DESCRIPTIONS = [
    "Hi, I ordered the {product} on {date} (order {order}) and it still has not arrived. The tracking "
    "page says it left the warehouse in {city}. Could you check? Thanks, {name}",
    "Hello, I sent the {product} back two weeks ago and I am still waiting for the refund of {amount}. "
    "Order {order}. Regards, {name}",
    "The box was crushed when {courier} delivered it and the {product} inside is broken. Photos "
    "attached. I would like a replacement, not a refund.",
    "I keep getting 'invalid password' although I reset it twice today. My e-mail is the one on this "
    "ticket. Please help, {name}",
    "My card was charged {amount} two times for order {order}. Please refund the duplicate charge.",
    "Can you send an invoice with our company name for order {order}? We need it for accounting "
    "before {date}.",
    "I would like to change the delivery address to {city}. The order number is {order}.",
    "The {product} stopped charging after {days} days. Is this covered by the warranty?",
    "Your courier left a note but I was home all day. Can you arrange another delivery to {city}?",
    "The discount code {code} says it has expired, but your newsletter says it is valid until {date}.",
    "Order {order} came without the {product}. Everything else was there.",
    "Please delete my account and all personal data you keep about me. Thank you.",
    "We would like to order {qty} units of the {product} for our office in {city}. Do you offer a "
    "volume discount?",
    "I refused the parcel because the box was open. When will I get my money back? Order {order}.",
    "The app closes as soon as I open 'My orders'. I am on the latest version. {name}",
    "I received a {product} in the wrong colour. I ordered black. Can I exchange it?",
    "Just wanted to say that {name} on your chat was very helpful yesterday. Thanks!",
    "My order {order} has been pending for {days} days. Is something wrong with the payment?",
    "The tracking number you sent does not exist on the {courier} website.",
    "I have {qty} loyalty points but the checkout page shows zero.",
    "The price of the {product} dropped by {amount} a day after I bought it. Can you refund the difference?",
    "Please cancel order {order}, I ordered the wrong model by mistake.",
    "Is it possible to pick up order {order} at your {city} store instead?",
    "The manual of the {product} is missing from the box. Is there a PDF?",
    "I never got the verification code by SMS. I tried {qty} times.",
    "The VAT number on the receipt for order {order} is wrong; it should be {code}.",
    "Only part of order {order} was refunded: {amount} is still missing.",
    "My subscription renewed although I cancelled it on {date}. Please refund it.",
    "Hello, any news about my request? It has been {days} days. {name}",
    "The gift card I got from {name} shows a balance of 0 instead of {amount}.",
]
EN_RARE_DESCRIPTIONS = [
    "My bank told me there is a chargeback on order {order}. I did not ask for one. What happens now?",
]
EN_REPLIES = [
    "Thanks {name}, we are checking order {order} with {courier} and will get back to you today.",
    "Sorry about that! A replacement {product} is on its way; you do not need to send anything back.",
    "We have refunded {amount} to your card. It can take 5 to 10 working days to show up.",
    "Your invoice for order {order} is attached. Let us know if anything needs changing.",
    "I have reset your account; please try to log in again and tell us if it works.",
    "The delivery address of order {order} is now {city}.",
    "Could you send us a photo of the {product} and of the box, please?",
    "Your order {order} left our warehouse today; the tracking number will follow by e-mail.",
]
EN_FIRST = "Alice Bob Carol David Emma Frank Grace Henry Irene Jack Karen Leo Maria Nina Oscar Paul "
EN_FIRST += "Quinn Rachel Sam Tina Uma Victor Wendy Xavier Yusuf Zoe Liam Olivia Noah Ava".strip()
EN_LAST = "Smith Jones Brown Taylor Wilson Davies Evans Thomas Johnson Roberts Walker Wright Green "
EN_LAST += "Hall Wood Clarke Lewis Young King Hughes Baker Turner Hill Moore Lee Chen Tan Wong".strip()
EN_PRODUCTS = [
    "wireless earbuds",
    "standing desk",
    "coffee grinder",
    "running shoes",
    "phone case",
    "laptop sleeve",
    "air purifier",
    "electric toothbrush",
    "rice cooker",
    "office chair",
    "smart watch",
    "yoga mat",
    "backpack",
    "desk lamp",
    "mechanical keyboard",
    "water bottle",
    "hair dryer",
    "baby stroller",
    "tent",
    "blender",
    "monitor arm",
    "winter jacket",
    "USB-C charger",
    "kettle",
]
EN_CITIES = [
    "Taipei",
    "Kaohsiung",
    "Taichung",
    "Singapore",
    "London",
    "Berlin",
    "Sydney",
    "Toronto",
    "Osaka",
    "Seoul",
    "Dublin",
    "Austin",
]
COURIERS = ["DHL", "FedEx", "UPS", "SF Express", "Chunghwa Post", "Black Cat", "Royal Mail"]

# -- Traditional Chinese ---------------------------------------------------------------------------
HANT_SUBJECTS = [
    "訂單 {order} 還沒收到",
    "申請退貨：{product}",
    "退款什麼時候會到帳？",
    "收到的{product}有瑕疵",
    "需要開立發票（訂單 {order}）",
    "發票抬頭打錯了",
    "無法登入帳號",
    "忘記密碼，收不到驗證信",
    "想更改收件地址",
    "包裹在運送途中損壞",
    "重複扣款 {amount}",
    "{product}的保固問題",
    "優惠碼 {code} 無法使用",
    "配送到{city}延遲",
    "訂單少了一件商品",
    "想換貨：{product}換顏色",
    "物流顯示已送達但沒收到",
    "取消訂閱",
    "會員點數沒有入帳",
    "APP 打開訂單紀錄就閃退",
    "請刪除我的個人資料",
    "{product}用了{days}天就壞了",
    "可以超商取貨嗎？",
    "禮物卡餘額不對",
    "預購商品什麼時候出貨？",
    "電子發票沒有寄到信箱",
    "退貨運費誰負擔？",
    "客服態度很好，謝謝",
    "信用卡付款失敗",
    "分期付款的問題",
    "{name}：訂單 {order} 有問題",
    "商品與網站照片不符",
    "想加購{product}",
    "退貨後還沒收到退款",
    "統一編號要怎麼填？",
    "門市自取的時間",
    "收到錯的商品",
    "訂單 {order} 一直顯示處理中",
]
HANT_DESCRIPTIONS = [
    "您好，我在{date}訂購了{product}（訂單編號 {order}），到現在還沒收到，物流顯示包裹還在{city}的倉庫。"
    "麻煩幫我查詢，謝謝。{name}",
    "我已經把{product}寄回去兩個星期了，退款 {amount} 還沒有收到，請問進度如何？訂單 {order}。",
    "{courier}送來的箱子壓壞了，裡面的{product}也摔壞了，附上照片，希望可以換一個新的。",
    "公司報帳需要發票，抬頭是「{name}有限公司」，統一編號 {code}，訂單 {order}，謝謝。",
    "電子發票一直沒有寄到我的信箱，可以再寄一次嗎？",
    "我的信用卡被扣了兩次 {amount}，請幫我退回重複的款項。",
    "我想申請退貨，{product}的尺寸不合，還沒拆封。請問退貨流程是什麼？",
    "登入的時候一直顯示密碼錯誤，重設密碼的信也收不到，麻煩協助。{name}",
    "請把收件地址改成{city}，訂單編號是 {order}。",
    "{product}用了{days}天就無法開機，請問在保固範圍內嗎？",
    "物流說已經送達，但是管理室和信箱都沒有包裹，請幫忙確認。",
    "優惠碼 {code} 結帳時顯示已過期，但活動頁寫到{date}。",
    "訂單 {order} 少了一件{product}，其他都有收到。",
    "請刪除我的帳號以及所有個人資料，謝謝。",
    "我們公司想訂 {qty} 個{product}，請問有大量採購的優惠嗎？",
    "APP 一打開「我的訂單」就閃退，已經是最新版本了。",
    "收到的{product}顏色不對，我訂的是黑色，可以換貨嗎？",
    "昨天客服{name}非常有耐心，特別來感謝。",
    "訂單 {order} 已經處理中{days}天了，是付款有問題嗎？",
    "退貨的運費是由我負擔還是你們負擔？我在{city}。",
    "會員點數 {qty} 點沒有入帳，麻煩幫我查一下。",
    "想請問可以改到{city}的門市自取嗎？訂單 {order}。",
    "收到的商品跟網站上的照片差很多，想要退貨退款。",
    "請問還有其他進度嗎？已經等了{days}天。{name}",
]
HANT_REPLIES = [
    "{name}您好，我們已經向{courier}查詢訂單 {order}，今天會回覆您。",
    "很抱歉造成您的不便，新的{product}已經寄出，舊的不需要寄回。",
    "退款 {amount} 已經處理，約 5 到 10 個工作天會回到您的信用卡。",
    "訂單 {order} 的發票已經重新開立，請查收電子郵件。",
    "收件地址已經更新為{city}。",
    "麻煩提供商品和外箱的照片，謝謝您。",
    "退貨申請已受理，物流人員會在兩天內到府收件。",
]
HANT_SURNAMES = list("陳林黃張李王吳劉蔡楊許鄭謝郭洪曾")
HANT_GIVEN = [
    "怡君",
    "志明",
    "淑芬",
    "家豪",
    "雅婷",
    "俊傑",
    "美玲",
    "建宏",
    "佳穎",
    "冠宇",
    "宜蓁",
    "承恩",
    "詩涵",
    "柏翰",
    "欣怡",
    "宗翰",
]
HANT_PRODUCTS = [
    "藍牙耳機",
    "電動牙刷",
    "咖啡機",
    "升降桌",
    "空氣清淨機",
    "電鍋",
    "辦公椅",
    "智慧手錶",
    "瑜珈墊",
    "後背包",
    "檯燈",
    "吹風機",
    "嬰兒推車",
    "帳篷",
    "果汁機",
    "保溫瓶",
]
HANT_CITIES = ["台北", "新北", "桃園", "台中", "台南", "高雄", "新竹", "基隆", "花蓮", "宜蘭"]

# -- Simplified Chinese (no 发票 here on purpose: see SEARCH_TERMS) ----------------------------------
HANS_SUBJECTS = [
    "订单 {order} 还没收到",
    "申请退货：{product}",
    "退款什么时候到账？",
    "收到的{product}有质量问题",
    "无法登录账号",
    "忘记密码，收不到验证码",
    "想修改收货地址",
    "快递在运输途中损坏",
    "重复扣款 {amount}",
    "{product}的保修问题",
    "优惠码 {code} 用不了",
    "发往{city}的快递延迟",
    "订单少了一件商品",
    "想换货：{product}换颜色",
    "物流显示已签收但没收到",
    "取消自动续费",
    "会员积分没有到账",
    "APP 打开订单记录就闪退",
    "请删除我的个人信息",
    "{product}用了{days}天就坏了",
    "可以自提吗？",
    "礼品卡余额不对",
    "预售商品什么时候发货？",
    "退货运费谁承担？",
    "客服态度很好，谢谢",
    "支付宝付款失败",
    "分期付款的问题",
    "{name}：订单 {order} 有问题",
    "商品和图片不一样",
    "退货以后还没收到退款",
    "收到的商品发错了",
    "订单 {order} 一直显示处理中",
]
HANS_DESCRIPTIONS = [
    "你好，我在{date}买了{product}（订单号 {order}），到现在还没收到，物流显示还在{city}的仓库。"
    "麻烦帮我查一下，谢谢。{name}",
    "{product}已经寄回两个星期了，退款 {amount} 还没到账，请问进度？订单 {order}。",
    "{courier}送来的箱子压坏了，里面的{product}也摔坏了，附上照片，希望换一个新的。",
    "我的银行卡被扣了两次 {amount}，请退回重复的款项。",
    "我想申请退货，{product}尺码不合适，还没拆封。请问退货流程是什么？",
    "登录时一直提示密码错误，重置密码的邮件也收不到，麻烦处理。{name}",
    "请把收货地址改成{city}，订单号是 {order}。",
    "{product}用了{days}天就开不了机，请问在保修范围内吗？",
    "物流显示已签收，但是快递柜和门卫都没有包裹，请帮忙确认。",
    "优惠码 {code} 结算时提示已过期，但活动页面写的是到{date}。",
    "订单 {order} 少了一件{product}，其他都收到了。",
    "请注销我的账号并删除所有个人信息，谢谢。",
    "我们公司想订 {qty} 个{product}，请问批量采购有优惠吗？",
    "APP 一打开「我的订单」就闪退，已经是最新版本了。",
    "收到的{product}颜色不对，我买的是黑色，可以换货吗？",
    "昨天客服{name}非常耐心，特地来感谢。",
    "订单 {order} 已经处理中{days}天了，是支付有问题吗？",
    "会员积分 {qty} 分没有到账，麻烦查一下。",
    "请问还有进展吗？已经等了{days}天。{name}",
]
HANS_REPLIES = [
    "{name}你好，我们已经向{courier}查询订单 {order}，今天会回复你。",
    "很抱歉给你带来不便，新的{product}已经寄出，旧的不用寄回。",
    "退款 {amount} 已经处理，大约 5 到 10 个工作日到账。",
    "收货地址已经改为{city}。",
    "麻烦提供商品和外箱的照片，谢谢。",
]
HANS_SURNAMES = list("陈林黄张李王吴刘蔡杨许郑谢郭洪曾")
HANS_GIVEN = [
    "怡君",
    "志明",
    "淑芬",
    "家豪",
    "雅婷",
    "俊杰",
    "美玲",
    "建宏",
    "佳颖",
    "冠宇",
    "宜蓁",
    "承恩",
    "诗涵",
    "柏翰",
    "欣怡",
    "宗翰",
]
HANS_PRODUCTS = [
    "蓝牙耳机",
    "电动牙刷",
    "咖啡机",
    "升降桌",
    "空气净化器",
    "电饭煲",
    "办公椅",
    "智能手表",
    "瑜伽垫",
    "双肩包",
    "台灯",
    "吹风机",
    "婴儿车",
    "帐篷",
    "榨汁机",
    "保温杯",
]
HANS_CITIES = ["上海", "北京", "深圳", "广州", "杭州", "成都", "南京", "武汉", "苏州", "厦门"]

DOMAINS = ["example.com", "example.net", "mail.example.tw", "example.cn", "example.org"]
TEMPLATE_COUNT = sum(
    len(x)
    for x in (
        EN_SUBJECTS,
        EN_RARE_SUBJECTS,
        EN_DESCRIPTIONS,
        EN_RARE_DESCRIPTIONS,
        EN_REPLIES,
        HANT_SUBJECTS,
        HANT_DESCRIPTIONS,
        HANT_REPLIES,
        HANS_SUBJECTS,
        HANS_DESCRIPTIONS,
        HANS_REPLIES,
    )
)


def _pick(rng: random.Random, mix: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in mix], weights=[w for _, w in mix])[0]


def customer_language(customer: int) -> str:
    """A customer writes in one language, always the same (chosen from the customer number)."""
    r = random.Random(customer * 7919)
    return _pick(r, LANGUAGE_MIX)


def customer_name(customer: int) -> str:
    r = random.Random(customer * 104729)
    lang = customer_language(customer)
    if lang == "en":
        return f"{r.choice(EN_FIRST.split())} {r.choice(EN_LAST.split())}"
    if lang == "zh-Hant":
        return r.choice(HANT_SURNAMES) + r.choice(HANT_GIVEN)
    return r.choice(HANS_SURNAMES) + r.choice(HANS_GIVEN)


def customer_email(customer: int) -> str:
    return f"c{customer:07d}@{DOMAINS[customer % len(DOMAINS)]}"


def _values(rng: random.Random, lang: str, name: str) -> dict[str, Any]:
    products, cities = {
        "en": (EN_PRODUCTS, EN_CITIES),
        "zh-Hant": (HANT_PRODUCTS, HANT_CITIES),
        "zh-Hans": (HANS_PRODUCTS, HANS_CITIES),
    }[lang]
    return {
        "order": f"#{rng.randint(100_000, 9_999_999)}",
        "product": rng.choice(products),
        "city": rng.choice(cities),
        "courier": rng.choice(COURIERS),
        "name": name,
        "amount": f"NT${rng.randint(2, 400) * 50:,}" if lang != "zh-Hans" else f"¥{rng.randint(10, 3000)}",
        "date": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "days": rng.randint(2, 60),
        "qty": rng.randint(2, 500),
        "code": f"{rng.choice('ABCDEFGHJKMNPQRSTUVWXYZ')}{rng.randint(1000, 99999)}",
    }


def ticket_payload(rng: random.Random, customer: int, *, status: str | None = None) -> dict[str, Any]:
    """The JSON body of POST /api/v1/tickets (also fed to TicketCreate when seeding in-process)."""
    lang = customer_language(customer)
    name = customer_name(customer)
    v = _values(rng, lang, name)
    if lang == "en":
        rare = rng.random() < RARE_SHARE
        subject = rng.choice(EN_RARE_SUBJECTS if rare else EN_SUBJECTS)
        description = rng.choice(EN_RARE_DESCRIPTIONS if rare else EN_DESCRIPTIONS)
    elif lang == "zh-Hant":
        subject, description = rng.choice(HANT_SUBJECTS), rng.choice(HANT_DESCRIPTIONS)
    else:
        subject, description = rng.choice(HANS_SUBJECTS), rng.choice(HANS_DESCRIPTIONS)
    payload: dict[str, Any] = {
        "subject": subject.format(**v),
        "description": description.format(**v),
        "requester": {"email": customer_email(customer), "name": name},
        "priority": _pick(rng, PRIORITY_MIX),
    }
    if rng.random() < 0.15:
        payload["tags"] = rng.sample(TAGS, rng.randint(1, 2))
    if status is not None:
        payload["status"] = status
    return payload


def seeded_status(rng: random.Random) -> str:
    return _pick(rng, STATUS_MIX)


def reply_body(rng: random.Random, customer: int) -> str:
    lang = customer_language(customer)
    replies = {"en": EN_REPLIES, "zh-Hant": HANT_REPLIES, "zh-Hans": HANS_REPLIES}[lang]
    return rng.choice(replies).format(**_values(rng, lang, customer_name(customer)))


def customer_followup(rng: random.Random, customer: int) -> str:
    """A later message of the customer in a ticket's thread, in the customer's language."""
    lang = customer_language(customer)
    texts = {"en": EN_DESCRIPTIONS, "zh-Hant": HANT_DESCRIPTIONS, "zh-Hans": HANS_DESCRIPTIONS}[lang]
    return rng.choice(texts).format(**_values(rng, lang, customer_name(customer)))


def chat_line(rng: random.Random, customer: int) -> str:
    """A short chat message of the customer (a subject-sized line), in the customer's language."""
    lang = customer_language(customer)
    texts = {"en": EN_SUBJECTS, "zh-Hant": HANT_SUBJECTS, "zh-Hans": HANS_SUBJECTS}[lang]
    return rng.choice(texts).format(**_values(rng, lang, customer_name(customer)))
