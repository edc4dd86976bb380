"""The fault matrix of `make reliability`: real Terraform against the emulator, audited."""
