"""登录保护's second step: an SMS code to the bound phone, an authenticator app's code
(TOTP), or a one-time recovery code, asked after a right password (chalicelib.flows.login_protection)."""
