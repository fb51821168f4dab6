"""REST API v1 (and, later, the widget/agent WebSockets and webhook endpoints). Thin routers:
parse, call one domain action or query, shape the answer."""
