"""Request bodies, as pydantic models parsed by Powertools Parser.

The login and registration bodies are defined where they are used (each login
method's model, chalicelib.methods.registry; the registration flow's form).
They check shape only (present, right type, bounded length); the hall's own
rules (ID formats, password rules) live in chalicelib.domain and speak Chinese.
Imported by the handlers inside the views, so a cold start does not pay for pydantic.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class CaptchaAnswer(BaseModel):
    captcha_id: str = Field(max_length=64)
    captcha_answer: str = Field(max_length=16)


class SmsCodeRequest(CaptchaAnswer):
    phone: str = Field(max_length=20)
    purpose: str = Field(max_length=20)
