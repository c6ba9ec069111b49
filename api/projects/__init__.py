"""Projects (jobs): posted by a client, searched by freelancers, hired into an escrow."""
