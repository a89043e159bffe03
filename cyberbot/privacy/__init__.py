"""Personal data (AVG/GDPR): erasure on request."""
