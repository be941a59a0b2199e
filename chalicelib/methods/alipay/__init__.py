"""支付宝登录: Alipay's web authorization (method id ``alipay``)."""
