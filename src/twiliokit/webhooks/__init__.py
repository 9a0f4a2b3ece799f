"""Receiving Twilio webhooks: signature validation (pure), request normalisation, the receiver,
dedupe, handlers and framework adapters, one module each."""
