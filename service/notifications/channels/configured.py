"""The notification channels the settings configure: SMTP e-mail and the HTTP SMS gateway when
set; outside production, the log for a channel left unset (so development sees every notice);
in production an unset channel is absent, and its notices fail visibly after the retries."""

from __future__ import annotations

from contextlib import AsyncExitStack

from domain.notifications import Channel
from service.notifications.channels.log import LogChannel
from service.notifications.channels.sms import HttpSmsChannel, SmsGatewayConfig
from service.notifications.channels.smtp import SmtpConfig, SmtpEmailChannel, SmtpSecurity
from service.notifications.ports import NotificationChannel
from service.settings import Settings


async def open_channels(settings: Settings, stack: AsyncExitStack) -> dict[Channel, NotificationChannel]:
    """The channels by kind; those holding connections are closed with ``stack``."""
    channels: dict[Channel, NotificationChannel] = {}
    if settings.smtp_host and settings.smtp_from:
        channels[Channel.EMAIL] = SmtpEmailChannel(
            SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                security=SmtpSecurity(settings.smtp_security),
                from_address=settings.smtp_from,
                from_name=settings.smtp_from_name,
                username=settings.smtp_username,
                password=settings.smtp_password,
            )
        )
    if settings.sms_gateway_url and settings.sms_gateway_token:
        channels[Channel.SMS] = await stack.enter_async_context(
            HttpSmsChannel(
                SmsGatewayConfig(
                    url=settings.sms_gateway_url, token=settings.sms_gateway_token, sender=settings.sms_sender
                )
            )
        )
    if not settings.is_production:
        log_channel = LogChannel(include_text=settings.environment == "development")
        for channel in Channel:
            channels.setdefault(channel, log_channel)
    return channels
