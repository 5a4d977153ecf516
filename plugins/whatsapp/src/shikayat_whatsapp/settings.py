"""Settings of one WhatsApp business number (a ``[channels.NAME]`` section with
``platform = "whatsapp"``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from shikayat_facebook.settings import GraphSettings

TemplateParameter = Literal["reference", "text"]


class WhatsAppSettings(GraphSettings):
    phone_number_id: str = Field(
        pattern=r"^\d{1,20}$", description="Graph id of our business phone number (used in every send URL).")
    display_phone_number: str | None = Field(
        default=None, pattern=r"^\d{6,15}$",
        description="Our number, digits only with country code: messages from it are never complaints.")
    template_name: str | None = Field(
        default=None, pattern=r"^[a-z0-9_]{1,512}$",
        description="Approved template sent outside the 24-hour window (none: such replies fail, shown).")
    template_language: str = Field(
        default="en", pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$", description="Language code of the template.")
    template_language_hindi: str | None = Field(
        default=None, pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$",
        description="Language code of the template's Hindi translation, used for replies written in Hindi.")
    template_parameters: list[TemplateParameter] = Field(
        default=["reference", "text"],
        description="What fills the template's body variables {{1}}, {{2}}…: 'reference' and/or 'text'.")
    window_hours: float = Field(
        default=24.0, gt=0, le=24, description="The customer-service window after the citizen's last message.")
    window_margin_minutes: float = Field(
        default=15.0, ge=0, lt=24 * 60,
        description="Send the template when less than this is left of the window (clock skew, slow queues).")
    mark_read: bool = Field(default=True, description="Mark a message read when its acknowledgement is sent.")
    own_user_ids: list[str] = Field(
        default=[], description="Other numbers (digits) or user ids of ours whose messages are never complaints.")

    @field_validator("template_parameters")
    @classmethod
    def _reference_is_carried(cls, value: list[TemplateParameter]) -> list[TemplateParameter]:
        if "reference" not in value:
            raise ValueError("must include 'reference': the citizen needs the complaint's reference")
        return value
