"""Request bodies, as pydantic models parsed by Powertools Parser.

They check shape only (present, right type, bounded length); the hall's own
rules (ID formats, password rules) live in chalicelib.domain and speak Chinese.
Imported by the handlers inside the views, so a cold start does not pay for pydantic.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictBool


class CaptchaAnswer(BaseModel):
    captcha_id: str = Field(max_length=64)
    captcha_answer: str = Field(max_length=16)


class SmsCodeRequest(CaptchaAnswer):
    phone: str = Field(max_length=20)
    purpose: str = Field(max_length=20)


class RegistrationRequest(BaseModel):
    id_type: str = Field(max_length=40)
    id_number: str = Field(max_length=40)
    name: str = Field(max_length=80)
    phone: str = Field(max_length=20)
    sms_code: str = Field(max_length=10)
    password: str = Field(max_length=64)
    password_confirm: str = Field(max_length=64)
    agreement_accepted: StrictBool = False
    agreement_version: str | None = Field(default=None, max_length=20)


class LoginRequest(BaseModel):
    method: str = Field(max_length=20)
    identifier: str | None = Field(default=None, max_length=40)
    password: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=20)
    sms_code: str | None = Field(default=None, max_length=10)
    id_type: str | None = Field(default=None, max_length=40)
    captcha_id: str | None = Field(default=None, max_length=64)
    captcha_answer: str | None = Field(default=None, max_length=16)
