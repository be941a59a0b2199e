"""电子社保卡扫码登录: a QR whose code changes every minute, confirmed by the national e-SSC platform."""
