"""The engine's rules, served without gRPC: each test calls the Engine as the protocol layer would."""
