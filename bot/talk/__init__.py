"""Talking to Mentorbot in your own words: free-text check-in answers and questions
answered from the content packs (``docs/conversation.md``).

Pure parts live here (diacritic folding, the retrieval index, the check-in sentence
reader, the optional grounded writer); ``bot/features/talk.py`` wires them to the mentor.
"""
