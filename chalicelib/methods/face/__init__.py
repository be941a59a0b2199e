"""人脸识别 (face verification): one service for 忘记密码找回, 用户申诉 and 实人认证 (service.py),
the provider's signed callback (provider.py)."""
