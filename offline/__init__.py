"""Offline preview: the real program under Pulumi's mock runtime, the policy pack over gRPC."""
