"""Reading a message: dialogue acts, titles, people, genres, numbers and moods, into the state."""
