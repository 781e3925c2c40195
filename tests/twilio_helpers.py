"""Signing requests the way Twilio does, and playing a person on WhatsApp or SMS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from pathlib import Path
from typing import Any

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-token"
PUBLIC_URL = "https://senda.example.org"
WHATSAPP_FROM = "whatsapp:+14155238886"
SMS_FROM = "+15005550006"
PAYLOADS = Path(__file__).parent / "payloads" / "twilio"
_sids = itertools.count(1)


def signature(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature: base64(HMAC-SHA1(token, url + each name and value, names sorted))."""
    data = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def payload(name: str) -> dict[str, str]:
    """A recorded webhook post."""
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def message_form(sender: str, body: str = "", **fields: str) -> dict[str, str]:
    """An inbound message as Twilio posts it."""
    sid = f"SM{next(_sids):032x}"
    form = {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": WHATSAPP_FROM if sender.startswith("whatsapp:") else SMS_FROM,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }
    if sender.startswith("whatsapp:"):
        form |= {
            "ProfileName": "Ana",
            "WaId": sender.removeprefix("whatsapp:+"),
            "MessageType": "text",
        }
    return form | fields


class TwilioPerson:
    """Someone writing to the service's number, through a test app's signed webhook."""

    def __init__(self, client, fake, sender: str = "whatsapp:+5215512345678") -> None:
        self.client = client
        self.fake = fake
        self.sender = sender

    @property
    def to(self) -> str:
        return self.sender

    def post(
        self,
        form: dict[str, str],
        path: str = "/webhooks/whatsapp",
        signed: bool = True,
        url: str | None = None,
    ) -> Any:
        """Post a form with the signature Twilio would compute for PUBLIC_URL + path."""
        headers = {}
        if signed:
            headers["X-Twilio-Signature"] = signature(url or PUBLIC_URL + path, form)
        return self.client.post(path, data=form, headers=headers)

    def writes(self, body: str, **fields: str) -> str:
        """Send a message; the bodies Senda sent back, joined."""
        before = len(self.fake.messages(to=self.to))
        response = self.post(message_form(self.sender, body, **fields))
        assert response.status_code == 200, response.data
        return "\n\n".join(
            r.params.get("Body", "") for r in self.fake.messages(to=self.to)[before:]
        )

    def last(self) -> str:
        """The last body sent to this person."""
        return self.fake.messages(to=self.to)[-1].params.get("Body", "")


def twilio_settings(base_url: str) -> dict[str, str]:
    """The settings of a deployment whose WhatsApp and SMS go to a fake Twilio at base_url."""
    return {
        "PUBLIC_URL": PUBLIC_URL,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
        "TWILIO_SMS_FROM": SMS_FROM,
        "TWILIO_API_BASE_URL": base_url,
    }
