change = "prices"
