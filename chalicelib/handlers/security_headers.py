"""The security headers every answer carries: pages, static files, API answers, errors.

One definition for two places: the ``http`` middleware sets them on everything
the app answers, and infra/gateway.py puts the same values on the answers API
Gateway gives by itself (no such route, throttling), so a browser sees the same
policy whoever answered.
"""

from __future__ import annotations

__all__ = ["CONTENT_SECURITY_POLICY", "NO_STORE", "STATIC_PREFIX", "STRICT_TRANSPORT_SECURITY", "security_headers"]

# No inline script or style and no eval anywhere: the pages load the ES modules and the
# stylesheet under /static/ only (tests/functional/test_web_security.py scans the templates).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # the graphic captcha is a data: URL
        "media-src 'self' data:",  # and so is its spoken alternative (语音验证码)
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",  # the login page must not be framed (clickjacking)
    )
)

# 人脸识别 needs no camera here: the face is compared in 支付宝APP or 江苏智慧人社APP after a QR scan.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"

# Pages show the citizen's masked name and API answers carry personal data: never cached.
NO_STORE = "no-store"

# Static assets (no personal data) are the only answers a cache may keep.
STATIC_PREFIX = "/static/"


def security_headers(https: bool) -> dict[str, str]:
    """The headers for any answer; HSTS only where the hall is served over HTTPS."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
    if https:
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return headers
