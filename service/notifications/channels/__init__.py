"""Notification channels: e-mail over SMTP, SMS through an HTTP gateway, and the log for development."""

from service.notifications.channels.log import LogChannel
from service.notifications.channels.sms import HttpSmsChannel, SmsGatewayConfig
from service.notifications.channels.smtp import SmtpConfig, SmtpEmailChannel, SmtpSecurity

__all__ = ["HttpSmsChannel", "LogChannel", "SmsGatewayConfig", "SmtpConfig", "SmtpEmailChannel", "SmtpSecurity"]
