"""Attachments: upload (multipart), then name the upload in a comment; download is always a file,
never rendered; size, type and signature are checked; an upload is attached once, by its uploader."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.conftest import Api, Cast, LiveServer, assert_problem
from tests.tickets.conftest import SMALL_UPLOAD, api_of, comments, create_ticket, timeline

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def stored_files(cast: Cast) -> set[str]:
    """Files in the main server's attachment storage for the cast's workspace."""
    folder = cast.rt.settings.attachments_dir / str(cast.workspace_id)
    return {p.name for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def upload(api: Api, filename: str, data: bytes, content_type: str) -> Any:
    return api.post("/api/v1/attachments", files={"file": (filename, data, content_type)})


def uploaded(
    api: Api, filename: str = "photo.png", data: bytes = PNG, content_type: str = "image/png"
) -> int:
    r = upload(api, filename, data, content_type)
    assert r.status_code == 201, r.text
    aid: int = r.json()["id"]
    return aid


def test_upload_attach_to_a_reply_and_download(module_cast: Cast) -> None:
    alice, bob = module_cast.api("alice"), module_cast.api("bob")
    t = create_ticket(alice)
    r = upload(alice, "破損 photo.png", PNG, "image/png")
    assert r.status_code == 201, r.text
    a = r.json()
    assert (a["filename"], a["content_type"], a["size"], a["ticket_id"]) == (
        "破損 photo.png",
        "image/png",
        len(PNG),
        None,
    )
    assert a["sha256"] == hashlib.sha256(PNG).hexdigest()
    # Until it is attached, only its uploader sees it.
    assert_problem(bob.get(f"/api/v1/attachments/{a['id']}"), 404)
    assert_problem(bob.get(f"/api/v1/attachments/{a['id']}/content"), 404)

    r = alice.post(
        f"/api/v1/tickets/{t['id']}/comments", json={"body": "see photo", "attachment_ids": [a["id"]]}
    )
    assert r.status_code == 201, r.text
    comment = r.json()
    assert [(f["id"], f["ticket_id"], f["comment_id"]) for f in comment["attachments"]] == [
        (a["id"], t["id"], comment["id"])
    ]
    line = timeline(alice, t["id"])[-1]
    assert line["kind"] == "comment" and line["new"]["attachments"] == [a["id"]]
    assert [f["id"] for f in line["comment"]["attachments"]] == [a["id"]]

    r = bob.get(f"/api/v1/attachments/{a['id']}/content")  # attached: anyone in the workspace may read it
    assert r.status_code == 200
    assert r.content == PNG
    assert r.headers["content-type"] == "image/png"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert "photo.png" in r.headers["content-disposition"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_attachments_on_a_new_ticket(module_cast: Cast) -> None:
    api = module_cast.api("alice")
    aid = uploaded(api, "notes.txt", "訂單 123\n".encode(), "text/plain")
    t = create_ticket(api, description="see file", attachment_ids=[aid])
    (comment,) = comments(api, t["id"])
    assert [f["id"] for f in comment["attachments"]] == [aid]
    r = api.get(f"/api/v1/attachments/{aid}/content")
    assert r.content == "訂單 123\n".encode()
    assert r.headers["content-disposition"].startswith("attachment;")


def test_the_type_comes_from_the_name_when_the_client_says_octet_stream(module_cast: Cast) -> None:
    api = module_cast.api("alice")
    r = upload(api, "report.pdf", b"%PDF-1.7\n...", "application/octet-stream")
    assert r.status_code == 201 and r.json()["content_type"] == "application/pdf"


@pytest.mark.parametrize(
    ("filename", "data", "content_type"),
    [
        ("page.html", b"<script>alert(1)</script>", "text/html"),
        ("logo.svg", b"<svg onload='alert(1)'/>", "image/svg+xml"),
        ("setup.exe", b"MZ\x90\x00", "application/x-msdownload"),
        ("setup.exe", b"MZ\x90\x00", "application/octet-stream"),
    ],
    ids=["html", "svg", "exe", "exe-by-name"],
)
def test_a_type_that_is_not_allowed_is_415(
    module_cast: Cast, filename: str, data: bytes, content_type: str
) -> None:
    """HTML, SVG, an .exe (declared, or guessed from its name): 415, and no file is stored."""
    before = stored_files(module_cast)
    body = assert_problem(upload(module_cast.api("alice"), filename, data, content_type), 415)
    assert body["detail"]
    assert stored_files(module_cast) == before


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"<html>not a png</html>", "image/png"),
        (b"GIF89a" + b"\x00" * 20, "image/png"),
        (b"just text", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/jpeg"),
    ],
    ids=["html-as-png", "gif-as-png", "text-as-pdf", "png-as-jpeg"],
)
def test_a_file_that_is_not_what_it_claims_is_415(module_cast: Cast, data: bytes, content_type: str) -> None:
    """A file declared image/png (or pdf, jpeg) whose first bytes are not that format's signature:
    415 naming the claimed type, and no file is stored."""
    before = stored_files(module_cast)
    body = assert_problem(upload(module_cast.api("alice"), "file", data, content_type), 415)
    assert content_type in body["detail"]
    assert stored_files(module_cast) == before


def test_an_empty_file_is_422(module_cast: Cast) -> None:
    """Uploading a file of 0 bytes: 422, and no file is stored."""
    before = stored_files(module_cast)
    assert_problem(upload(module_cast.api("alice"), "empty.txt", b"", "text/plain"), 422)
    assert stored_files(module_cast) == before


def test_too_large_is_413_and_nothing_is_kept(module_cast: Cast, small_upload_live: LiveServer) -> None:
    """On a server limited to 1 KiB: 1 KiB is accepted, 1 KiB + 1 byte and 5 KiB are 413, and no
    file of the refused uploads stays in storage."""
    api = Api(small_upload_live.url, module_cast.token("alice"))
    module_cast._clients.append(api)
    store = small_upload_live.settings.attachments_dir

    def stored() -> set[str]:
        return {p.name for p in store.rglob("*") if p.is_file()} if store.exists() else set()

    ok = upload(api, "exact.txt", b"a" * SMALL_UPLOAD, "text/plain")
    assert ok.status_code == 201, ok.text
    before = stored()
    assert len(before) == 1
    for size in (SMALL_UPLOAD + 1, 5 * SMALL_UPLOAD):
        body = assert_problem(upload(api, "big.txt", b"a" * size, "text/plain"), 413)
        assert body["detail"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * (SMALL_UPLOAD * 3)
    assert_problem(upload(api, "big.png", png, "image/png"), 413)
    assert stored() == before


def test_an_upload_of_another_agent_cannot_be_attached(module_cast: Cast) -> None:
    """Alice names Bob's upload in her reply: 422, the reply is not stored, and Bob can still use it."""
    alice, bob = module_cast.api("alice"), module_cast.api("bob")
    t = create_ticket(alice)
    bobs = uploaded(bob)
    body = assert_problem(
        alice.post(
            f"/api/v1/tickets/{t['id']}/comments", json={"body": "mine now", "attachment_ids": [bobs]}
        ),
        422,
    )
    assert str(bobs) in body["detail"]
    assert comments(alice, t["id"]) == []
    assert bob.get(f"/api/v1/attachments/{bobs}").json()["ticket_id"] is None
    r = bob.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "photo", "attachment_ids": [bobs]})
    assert r.status_code == 201, r.text


def test_an_attachment_is_attached_once(module_cast: Cast) -> None:
    """Naming an upload that is already on a comment, in another reply or on another ticket: 409,
    that reply is not stored, and the file stays where it was."""
    api = module_cast.api("alice")
    t1, t2 = create_ticket(api), create_ticket(api)
    aid = uploaded(api)
    first = api.post(f"/api/v1/tickets/{t1['id']}/comments", json={"body": "one", "attachment_ids": [aid]})
    assert first.status_code == 201
    for tid in (t1["id"], t2["id"]):
        before = comments(api, tid)
        body = assert_problem(
            api.post(f"/api/v1/tickets/{tid}/comments", json={"body": "again", "attachment_ids": [aid]}), 409
        )
        assert str(aid) in body["detail"]
        assert comments(api, tid) == before
    assert api.get(f"/api/v1/attachments/{aid}").json()["comment_id"] == first.json()["id"]


def test_one_bad_attachment_spoils_the_whole_reply(module_cast: Cast) -> None:
    """A reply naming a good upload and an id that is no upload: 422; the good upload stays free."""
    api = module_cast.api("alice")
    t = create_ticket(api)
    good = uploaded(api)
    assert_problem(
        api.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "x", "attachment_ids": [good, 2**62]}),
        422,
    )
    assert comments(api, t["id"]) == []
    assert api.get(f"/api/v1/attachments/{good}").json()["ticket_id"] is None


def test_the_same_upload_named_twice_in_one_reply_is_attached_once(module_cast: Cast) -> None:
    api = module_cast.api("alice")
    t = create_ticket(api)
    aid = uploaded(api)
    r = api.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "x", "attachment_ids": [aid, aid]})
    assert r.status_code == 201, r.text
    assert [f["id"] for f in r.json()["attachments"]] == [aid]


async def test_an_upload_of_another_workspace_does_not_exist_here(
    module_cast: Cast, other_cast_factory: Any
) -> None:
    other = await other_cast_factory()
    theirs = uploaded(api_of(other, "alice", closed_with=module_cast))
    api = module_cast.api("alice")
    t = create_ticket(api)
    assert_problem(
        api.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": "x", "attachment_ids": [theirs]}), 422
    )
    assert_problem(api.get(f"/api/v1/attachments/{theirs}/content"), 404)
    assert comments(api, t["id"]) == []
