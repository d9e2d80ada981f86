"""Work items: SpecItems and the Tasks that implement them."""
