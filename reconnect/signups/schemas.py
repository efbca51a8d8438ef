from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reconnect.program.model import KEY_PATTERN
from reconnect.validation import Email, Name, SendHour, Timezone


class SignupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    email: Email
    first_name: Name
    timezone: Timezone
    send_hour: SendHour
    partner_email: Email | None = None
    partner_first_name: Name | None = None
    program: str | None = Field(default=None, pattern=KEY_PATTERN, max_length=40)
    # A neutral sender name, subject and preheader on every email to this person.
    discreet: bool = False

    @model_validator(mode="after")
    def _partner_fields_agree(self) -> Self:
        if self.partner_email is not None and self.partner_email == self.email:
            raise ValueError("partner_email: Your partner's address must be different from yours.")
        if self.partner_email is not None and self.partner_first_name is None:
            raise ValueError("partner_first_name: Please tell us your partner's first name.")
        if self.partner_first_name is not None and self.partner_email is None:
            raise ValueError("partner_email: Please add your partner's email address, or leave "
                             "both partner fields empty.")
        return self


class SignupAccepted(BaseModel):
    status: str = "accepted"
    message: str = ("Thank you. If the address can receive our email, a confirmation link is "
                    "on its way. Nobody is enrolled until they confirm their own address.")
