"""江苏政务登录: the 江苏政务服务 统一身份认证平台 over OpenID Connect (method id ``jszw_oidc``)."""
