"""The pages' shared machinery: sign-in page, language switch, CSRF, security headers, assets."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.testing import TestClient

from chengxin.app import create_app
from chengxin.audit import service as audit
from chengxin.audit.models import AuditEntry
from chengxin.deps import SessionDep
from chengxin.security.actor import system_actor
from chengxin.web.render import page
from tests.web.conftest import Pages, shot


def test_security_headers_and_csp_without_inline_script(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get("/signin")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "<script>" not in response.text  # every script is a file of the platform's


def test_a_form_post_without_the_csrf_token_is_refused(client: TestClient) -> None:  # type: ignore[type-arg]
    client.get("/signin")
    token = client.cookies.get("chengxin_csrf")
    assert token
    assert client.post("/signin", data={"login": "a", "password": "b"}).status_code == 403
    answered = client.post("/signin", data={"login": "a", "password": "b", "_csrf_token": token})
    assert answered.status_code == 401  # the form came through; the credentials were wrong
    assert "login-failed" in answered.text


def test_the_csrf_and_session_cookies_are_http_only_and_strict(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get("/signin")
    cookie = response.headers["set-cookie"]
    assert "chengxin_csrf=" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()


def test_the_api_needs_no_csrf_token(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.post("/api/v1/auth/login", json={"login": "a", "password": "b"})
    assert response.status_code == 401


def test_the_language_switch_sets_a_cookie_and_returns_to_the_page(client: TestClient) -> None:  # type: ignore[type-arg]
    client.get("/signin")
    token = client.cookies.get("chengxin_csrf")
    response = client.post(
        "/lang",
        data={"lang": "en", "next": "/signin", "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/signin"
    assert client.get("/signin").text.count('lang="en"') >= 1
    # An address elsewhere is never followed.
    elsewhere = client.post(
        "/lang",
        data={"lang": "zh", "next": "//evil.example/", "_csrf_token": token},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/"


def test_api_docs_are_served_from_the_platform(client: TestClient) -> None:  # type: ignore[type-arg]
    page = client.get("/schema/swagger").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "https://" not in page
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_sign_in_page_in_a_real_browser(pages: Pages) -> None:
    page = pages.new()
    page.goto("/signin")
    assert page.locator("h1").inner_text() == "单位用户登录"
    page.get_by_label("账号").fill("nobody")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("[role=alert]")
    assert "login-failed" in page.locator("[role=alert]").inner_text()
    shot(page, "signin")
    english = pages.new(lang="en")
    english.goto("/signin")
    assert english.locator("html").get_attribute("lang") == "en"
    assert english.locator("h1").inner_text() == "Staff sign-in"
    docs = pages.new()
    docs.goto("/schema/swagger")
    docs.wait_for_selector(".swagger-ui .info")  # Swagger UI started from the platform's own copy


def test_an_unknown_address_is_a_page_for_browsers_and_a_problem_for_the_api(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    page = client.get("/no-such-page", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "not-found" in page.text
    api = client.get("/api/v1/no-such-thing", headers={"accept": "text/html"})
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


def test_a_page_answering_with_an_error_keeps_nothing_of_its_transaction(runtime) -> None:  # type: ignore[no-untyped-def]
    """A refused form shown again (a page with a 4xx status) rolls its request's writes back, as a
    raised error does in the API; a page answered with 200 commits them."""

    def write_then_answer(
        request: Request[Any, Any, Any], session: SessionDep, status: int
    ) -> Response[str]:
        audit.record(session, "test:page:write", actor=system_actor("test"), object_type="test")
        return page(
            request,
            "error.html",
            {"status": status, "code": "t", "detail": None},
            status_code=status,
        )

    @get("/test-refused", sync_to_thread=True, opt={"public": True})
    def refused(request: Request[Any, Any, Any], session: SessionDep) -> Response[str]:
        return write_then_answer(request, session, 422)

    @get("/test-accepted", sync_to_thread=True, opt={"public": True})
    def accepted(request: Request[Any, Any, Any], session: SessionDep) -> Response[str]:
        return write_then_answer(request, session, 200)

    app = create_app(runtime=runtime)
    app.register(refused)
    app.register(accepted)

    def written() -> int:
        with runtime.scope() as s:
            return s.query(AuditEntry).filter(AuditEntry.action == "test:page:write").count()

    with TestClient(app=app) as c:
        assert c.get("/test-refused").status_code == 422
        assert written() == 0
        assert c.get("/test-accepted").status_code == 200
        assert written() == 1
