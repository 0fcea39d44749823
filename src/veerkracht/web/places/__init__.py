"""Place profiles (buurt, street, block, entrance) and their PDF."""
