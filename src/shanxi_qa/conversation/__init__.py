"""Conversations: a follow-up question read as the standalone question it stands for."""
