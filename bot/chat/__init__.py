"""Chat platform adapters. Import the concrete adapters directly (they pull in their SDKs)."""
