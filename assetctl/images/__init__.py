"""Family-ready images: profiles (data in images/), and later their build and deployment."""
