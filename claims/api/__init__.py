"""The REST API for topics, speakers, claims, quotes and rebuttals; viewsets.py is its entry point."""
