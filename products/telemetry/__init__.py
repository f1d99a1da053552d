"""Telemetry product: sensors → MQTT broker → device monitor → bank (case 3, IoT leasing)."""
