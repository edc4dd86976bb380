"""The Snooze client against the emulator, and the emulator against Snooze's wire forms."""
