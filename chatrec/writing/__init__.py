"""Writing the reply: evidence for each pick, the words (opening, reasons, answers), the claim check."""
