"""Notification channels: e-mail over SMTP, SMS through an HTTP gateway, and the log for development."""

from service.adapters.notifications.log import LogChannel
from service.adapters.notifications.sms import HttpSmsChannel, SmsGatewayConfig
from service.adapters.notifications.smtp import SmtpConfig, SmtpEmailChannel, SmtpSecurity

__all__ = ["HttpSmsChannel", "LogChannel", "SmsGatewayConfig", "SmtpConfig", "SmtpEmailChannel", "SmtpSecurity"]
